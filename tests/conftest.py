from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pyengine.serverproc import ServerProcess
from tests.support import Client


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(data_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir)
    process.start()
    yield process
    if process.process is not None:
        process.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[Client]:
    connected = Client.connect(server.target)
    yield connected
    connected.close()
