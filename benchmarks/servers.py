"""The servers the service benchmarks start: pyengine's flags, and the bare grpc.aio echo server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.echo_server import READY_PREFIX
from pyengine import shop

ROOT = Path(__file__).resolve().parent.parent


def sample_stations() -> list[str]:
    """The sample shop's station names (every benchmark shop is the sample shop's kitchen)."""
    return [station["name"] for station in shop.read()["stations"]]


def pyengine_args(durability: str, *extra: str) -> list[str]:
    """`pyengine serve` flags every service benchmark uses: the durability asked for, the sample
    promotions, quiet logs."""
    return [
        "--durability", durability,
        "--promotions", str(shop.sample_promotions_path()),
        "--log-level", "WARNING",
        *extra,
    ]  # fmt: skip


def process_tree(pid: int) -> list[int]:
    """The process and its children (a `--workers N` server's parent and workers), whose CPU
    together is the server's."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            children.append(int(entry.name))
    return [pid, *sorted(children)]


class EchoProcess:
    """`benchmarks.echo_server` in its own process (`flags`: its message sizes); a context
    manager, or `stop()` it."""

    def __init__(self, *flags: str) -> None:
        command = [sys.executable, "-m", "benchmarks.echo_server", *flags]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith(READY_PREFIX):
            self.process.kill()
            raise RuntimeError(f"echo server did not start: {line!r}")
        self.target = line.removeprefix(READY_PREFIX)
        self.pid = self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        assert self.process.stdout is not None
        self.process.stdout.close()

    def __enter__(self) -> EchoProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
