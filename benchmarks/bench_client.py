"""The service benchmark's load client, in one or more processes.

One client process (grpc.aio, asyncio) cannot keep two server processes busy on this machine:
it is a Python gRPC program too. `ClientGroup(procs)` starts `procs` client processes once; for
each measured window every process gets its own slice of the pre-built requests and its share of
the concurrency, connects one channel to each server address, and runs closed loop: each caller
sends its next request when the previous one is answered, to the address of the request's
`route` (the store's worker, see `pyengine.sharding`). The processes start the window together
(a handshake, then a shared wall-clock start) and the parent merges their counts and latencies.
The same group, with the same requests and routes, drives pyengine and the echo servers alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Window:
    """What one client process measured in one window."""

    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    used: int = 0  # requests sent, warm-up included
    cpu_s: float = 0.0  # this client process's CPU seconds in the measured window


@dataclass
class Job:
    targets: list[str]
    method: str
    requests: list[bytes]
    routes: list[int]  # per request: index into targets
    callers: int
    warmup_s: float
    measure_s: float


async def _run_job(job: Job, conn: Connection) -> Window:
    window = Window()
    channels = [grpc.aio.insecure_channel(t) for t in job.targets]
    try:
        for channel in channels:
            await channel.channel_ready()
        calls: list[grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = [
            c.unary_unary(job.method) for c in channels
        ]
        conn.send("ready")
        start_wall: float = await asyncio.to_thread(conn.recv)
        loop = asyncio.get_running_loop()
        offset = loop.time() - time.time()
        begin = start_wall + offset
        start = begin + job.warmup_s
        end = start + job.measure_s
        await asyncio.sleep(max(0.0, begin - loop.time()))
        taken = iter(range(len(job.requests)))

        async def caller() -> None:
            while True:
                began = loop.time()
                if began >= end:
                    return
                index = next(taken, None)
                if index is None:
                    raise RuntimeError("out of pre-built requests; raise --max-rate")
                code = "OK"
                try:
                    await calls[job.routes[index]](job.requests[index], timeout=30)
                except grpc.aio.AioRpcError as exc:
                    code = exc.code().name
                done = loop.time()
                if began >= start and done <= end:
                    if code == "OK":
                        window.ok += 1
                        window.latencies_ms.append((done - began) * 1000)
                    else:
                        window.errors[code] = window.errors.get(code, 0) + 1

        async def meter() -> None:
            await asyncio.sleep(max(0.0, start - loop.time()))
            before = cpu_seconds(os.getpid())
            await asyncio.sleep(max(0.0, end - loop.time()))
            window.cpu_s = cpu_seconds(os.getpid()) - before

        await asyncio.gather(meter(), *(caller() for _ in range(job.callers)))
        window.used = next(taken, len(job.requests))
    finally:
        for channel in channels:
            await channel.close()
    return window


async def _serve_jobs(conn: Connection) -> None:
    while True:
        job: Job | None = await asyncio.to_thread(conn.recv)
        if job is None:
            return
        try:
            conn.send(await _run_job(job, conn))
        except Exception as exc:  # reported to the parent, which stops the run
            conn.send(exc)


def _client_main(conn: Connection) -> None:
    asyncio.run(_serve_jobs(conn))


@dataclass
class Result:
    ok: int
    errors: dict[str, int]
    latencies_ms: list[float]
    used: int
    client_cpu: float  # CPU seconds per second of all client processes together
    server_cpu: float  # the same for the server processes


class ClientGroup:
    """`procs` client processes, started once (spawned: no gRPC state is forked)."""

    def __init__(self, procs: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for _ in range(procs):
            parent, child = context.Pipe()
            process = context.Process(target=_client_main, args=(child,), daemon=True)
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    @property
    def procs(self) -> int:
        return len(self.conns)

    async def drive(
        self,
        targets: list[str],
        method: str,
        requests: list[bytes],
        routes: list[int],
        concurrency: int,
        warmup_s: float,
        measure_s: float,
        server_pids: list[int],
    ) -> Result:
        """One window: `concurrency` callers in all, spread over the processes, each process
        with its own equal slice of `requests`; counts the calls that start and end inside the
        measured window. Returns the merged counts and both sides' CPU."""
        share = len(requests) // self.procs
        busy = []
        for p, conn in enumerate(self.conns):
            callers = concurrency // self.procs + (1 if p < concurrency % self.procs else 0)
            if callers == 0:
                continue
            part = slice(p * share, (p + 1) * share)
            conn.send(
                Job(targets, method, requests[part], routes[part], callers, warmup_s, measure_s)
            )
            busy.append(conn)
        for conn in busy:
            answer = await asyncio.to_thread(conn.recv)
            if isinstance(answer, Exception):
                raise answer
        start_wall = time.time() + 0.05
        for conn in busy:
            conn.send(start_wall)
        delay = start_wall + warmup_s - time.time()
        await asyncio.sleep(max(0.0, delay))
        before = sum(cpu_seconds(pid) for pid in server_pids)
        await asyncio.sleep(max(0.0, start_wall + warmup_s + measure_s - time.time()))
        server_cpu = (sum(cpu_seconds(pid) for pid in server_pids) - before) / measure_s
        windows = []
        for conn in busy:
            answer = await asyncio.to_thread(conn.recv)
            if isinstance(answer, Exception):
                raise answer
            windows.append(answer)
        errors: dict[str, int] = {}
        for w in windows:
            for code, count in w.errors.items():
                errors[code] = errors.get(code, 0) + count
        return Result(
            ok=sum(w.ok for w in windows),
            errors=errors,
            latencies_ms=[ms for w in windows for ms in w.latencies_ms],
            used=sum(w.used for w in windows),
            client_cpu=sum(w.cpu_s for w in windows) / measure_s,
            server_cpu=server_cpu,
        )

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()
        for conn in self.conns:
            conn.close()
