"""Where the server's time goes under SubmitOrder load: py-spy samples, sorted into buckets.

py-spy (`--native`, so the Rust core, the gRPC C core and libc show) samples every thread of the
running `pyengine serve`; each sample's stack goes into the first bucket whose rule matches it,
per thread. The buckets are coarse on purpose: they are what a design change could move (fewer
boundary crossings, fewer wake-ups, batching, another process), not a flame graph.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Rule = tuple[str, Callable[[list[str]], bool]]


def _any(*needles: str) -> Callable[[list[str]], bool]:
    return lambda frames: any(n in f for f in frames for n in needles)


def _leaf(*needles: str) -> Callable[[list[str]], bool]:
    return lambda frames: any(frames[-1].startswith(n) for n in needles)


EVENT_LOOP_RULES: tuple[Rule, ...] = (
    ("idle: waiting in epoll for the next event", _leaf("epoll_wait")),
    ("Rust core: decode, price, schedule, apply, encode", _any("pyengine_core::", "_native.")),
    ("hand-off to the event-log writer (queue put)", _any("EventLog.append")),
    ("waiting for durability (futures, heap)", _any("EventLog.durable", "EventLog._committed")),
    ("gRPC: socket writes (sendmsg)", _any("sendmsg")),
    ("gRPC: waking its poller thread (eventfd)", _any("eventfd_write")),
    ("gRPC: socket reads", _any("recv")),
    ("gRPC: other (Cython and C core)", _any("cygrpc")),
    ("pyengine Python (handlers, runtime, streams)", _any("pyengine/")),
    ("asyncio and the interpreter", lambda frames: True),
)
WRITER_RULES: tuple[Rule, ...] = (
    ("fsync (fdatasync)", _any("fdatasync", "fsync")),
    ("SQLite: insert and commit", _any("sqlite3", "_pysqlite", "pysqlite")),
    ("waiting for work or for the GIL", _leaf("0x", "pthread_cond", "sem_wait", "futex")),
    ("other", lambda frames: True),
)
THREADS = {"MainThread": EVENT_LOOP_RULES, "eventlog-writer": WRITER_RULES}


@dataclass
class Profile:
    # thread -> bucket -> samples
    buckets: dict[str, Counter[str]]
    samples: Counter[str]
    seconds: float
    rate: int


def executable() -> str | None:
    """py-spy beside this Python (the project's .venv), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, output: Path, rate: int = 200) -> subprocess.Popen[bytes]:
    """Starts py-spy on `pid` for `seconds`; wait on the returned process."""
    spy = executable()
    assert spy is not None, "py-spy is not installed"
    command = [
        spy, "record", "--pid", str(pid), "--duration", str(int(seconds)),
        "--rate", str(rate), "--native", "--threads", "--format", "raw",
        "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse(raw: Path, seconds: float, rate: int) -> Profile:
    """Buckets py-spy's raw (collapsed) output: `thread (tid): name;frame;...;leaf count`."""
    buckets: dict[str, Counter[str]] = {}
    samples: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        thread = frames[0].split(": ", 1)[-1]
        thread = "grpc poller" if "_poll_wrapper" in thread else thread
        samples[thread] += int(count)
        rules = THREADS.get(thread)
        if rules is None:
            continue
        bucket = next(name for name, rule in rules if rule(frames[1:]))
        buckets.setdefault(thread, Counter())[bucket] += int(count)
    return Profile(buckets, samples, seconds, rate)


def render(profile: Profile, throughput: float, concurrency: int) -> list[str]:
    lines = [
        f"py-spy `--native` at {profile.rate} samples/s for {profile.seconds:g} s, the client at "
        f"concurrency {concurrency} ({throughput:.0f} orders/s while sampled; py-spy costs some). "
        "Samples per thread: "
        + ", ".join(f"{thread} {count}" for thread, count in profile.samples.most_common())
        + ". Each row is a share of its thread's samples.",
        "",
        "| thread | where | share |",
        "|---|---|---:|",
    ]
    for thread, counter in profile.buckets.items():
        total = sum(counter.values())
        for bucket, count in counter.most_common():
            lines.append(f"| {thread} | {bucket} | {count / total:.0%} |")
    return lines
