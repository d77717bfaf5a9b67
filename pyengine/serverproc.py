"""Runs `pyengine serve` as a child process: for `pyengine demo`, the tests and the load tests.

A real process on a real loopback port, so that killing and restarting it is what it looks like.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

READY_PREFIX = "pyengine listening on "


class ServerProcess:
    """`with ServerProcess(data_dir) as server:` starts a server on a free port; `server.target`
    is its "host:port". `stop()` shuts it down gracefully, `kill()` with SIGKILL, `start()` again
    reuses the same data folder (and asks for the same port, so clients can reconnect)."""

    def __init__(
        self,
        data_dir: Path,
        shop: Path | None = None,
        host: str = "127.0.0.1",
        extra_args: list[str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.shop = shop
        self.host = host
        self.port = 0
        self.extra_args = extra_args or []
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._drainer: threading.Thread | None = None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 60.0) -> str:
        cmd = [
            sys.executable, "-m", "pyengine", "serve",
            "--listen", f"{self.host}:{self.port}",
            "--data", str(self.data_dir),
            *(["--shop", str(self.shop)] if self.shop else []),
            *self.extra_args,
        ]  # fmt: skip
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        line = self._wait_for_ready(timeout_s)
        self.port = int(line.rsplit(":", 1)[1])
        # Keep draining the output so that a chatty server never blocks on a full pipe.
        self._drainer = threading.Thread(target=self._drain, args=(self.process,), daemon=True)
        self._drainer.start()
        return self.target

    def _wait_for_ready(self, timeout_s: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        found: list[str] = []

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                if line.startswith(READY_PREFIX):
                    found.append(line.strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not found:
            self.process.kill()
            self.process.wait()
            reader.join(5)
            self.output.extend(self.process.stdout)
            self.process.stdout.close()
            raise RuntimeError("pyengine serve did not start:\n" + "".join(self.output))
        return found[0]

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self.output.append(line)

    def _reap(self) -> None:
        """After the process exited: the drainer reads to EOF and closes the pipe."""
        if self._drainer is not None:
            self._drainer.join(10)
            self._drainer = None

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM, then wait: the server drains and exits by itself. Returns the exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError("pyengine serve did not stop in time") from None
        finally:
            self.process = None
            self._reap()

    def wait(self, timeout_s: float = 30.0) -> int:
        """Waits for the server to exit by itself (e.g. after a fatal error); its exit code."""
        if self.process is None:
            return 0
        code = self.process.wait(timeout_s)
        self.process = None
        self._reap()
        return code

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
            self._reap()

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.stop()
