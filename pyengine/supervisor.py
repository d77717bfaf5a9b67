"""`pyengine serve --workers N`: the parent process that runs N engine processes (workers) and
supervises them.

Why processes: one engine process runs gRPC, asyncio and the core on one event loop under the
GIL, so it cannot use a second core (docs/benchmarks.md). N processes, each owning a fixed share
of the shop's stores (`pyengine.sharding`) with its own event log, can.

The handshake, over each worker's stdin/stdout:
1. the parent starts worker i (`pyengine serve --worker i --workers N ...`); it opens its share
   of the data folder, replays it, binds its port and prints `WORKER_BOUND_PREFIX<address>`;
2. once every worker is bound, the parent writes every worker's address (one JSON line) to each
   worker's stdin; the worker starts serving (its RoutingService answers with that table) and
   prints `WORKER_READY_PREFIX<address>`;
3. once all are serving, the parent prints `pyengine listening on <worker 0's address>` and the
   table.

Fail-stop: Ctrl-C or SIGTERM stops every worker (SIGTERM, each drains and commits); a worker
that exits by itself stops all the others and the parent exits with status 1, naming the worker.
A worker whose stdin reaches end-of-file (the parent died, even by SIGKILL) stops by itself, so
no worker outlives its parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyengine import shop
from pyengine.serverproc import READY_PREFIX
from pyengine.sharding import ShardPlan

WORKER_BOUND_PREFIX = "pyengine worker bound on "
WORKER_READY_PREFIX = "pyengine worker serving on "
# How long a worker may take to replay its log and bind, and to stop after SIGTERM.
START_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0


class WorkerFailedError(Exception):
    """A worker exited before it was serving, or while the others were serving."""


@dataclass
class Worker:
    index: int
    stores: list[str]
    process: asyncio.subprocess.Process
    address: str = ""
    bound: asyncio.Event = field(default_factory=asyncio.Event)
    serving: asyncio.Event = field(default_factory=asyncio.Event)
    relay: asyncio.Task[None] | None = None

    def describe(self) -> str:
        return f"worker {self.index} (pid {self.process.pid}, stores {', '.join(self.stores)})"


def worker_listen(listen: str, index: int) -> str:
    """Worker i listens on PORT + i (or on any free port when PORT is 0)."""
    host, port = listen.rsplit(":", 1)
    return f"{host}:{int(port) + index if int(port) else 0}"


async def run_workers(plan: ShardPlan, listen: str, worker_args: Sequence[str]) -> int:
    """Starts the workers, serves until a signal or a worker's exit, stops them all; the exit
    status (0 after a requested stop whose workers all stopped cleanly)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    workers: list[Worker] = []
    try:
        for index in range(plan.workers):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pyengine", "serve", *worker_args,
                "--workers", str(plan.workers), "--worker", str(index),
                "--listen", worker_listen(listen, index),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            worker = Worker(index, plan.stores_of(index), process)
            worker.relay = asyncio.create_task(_relay(worker))
            workers.append(worker)
        await _until_all(workers, "bound", stop)
        if stop.is_set():
            return await _stop_all(workers, requested=True)
        table = (json.dumps([w.address for w in workers]) + "\n").encode()
        for worker in workers:
            assert worker.process.stdin is not None
            worker.process.stdin.write(table)
            await worker.process.stdin.drain()
        await _until_all(workers, "serving", stop)
        if stop.is_set():
            return await _stop_all(workers, requested=True)
        print(f"{READY_PREFIX}{workers[0].address}", flush=True)
        print(f"  {plan.workers} workers; any of them answers RoutingService.GetRouting:")
        for worker in workers:
            stores = shop.store_list(worker.stores)
            print(f"  worker {worker.index}: {worker.address}  stores: {stores}")
        print("  Ctrl-C stops every worker cleanly.", flush=True)
        exited = asyncio.create_task(_first_exit(workers))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait((exited, stopped), return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if exited.done():
            failed = exited.result()
            print(
                f"pyengine serve: {failed.describe()} exited with status "
                f"{failed.process.returncode}; stopping the other workers",
                file=sys.stderr,
                flush=True,
            )
            await _stop_all(workers, requested=False)
            return 1
        exited.cancel()
        return await _stop_all(workers, requested=True)
    except WorkerFailedError as exc:
        print(f"pyengine serve: {exc}; stopping the other workers", file=sys.stderr, flush=True)
        await _stop_all(workers, requested=False)
        return 1
    except TimeoutError:
        print(
            f"pyengine serve: the workers did not start within {START_TIMEOUT_S:.0f} s; "
            "stopping them",
            file=sys.stderr,
            flush=True,
        )
        await _stop_all(workers, requested=False)
        return 1
    except BaseException:
        await _stop_all(workers, requested=False)
        raise


async def _relay(worker: Worker) -> None:
    """Copies the worker's output to ours, prefixed with its index, and notes its handshake."""
    assert worker.process.stdout is not None
    async for raw in worker.process.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        if line.startswith(WORKER_BOUND_PREFIX):
            worker.address = line.removeprefix(WORKER_BOUND_PREFIX)
            worker.bound.set()
            continue
        if line.startswith(WORKER_READY_PREFIX):
            worker.serving.set()
            continue
        print(f"[worker {worker.index}] {line}", flush=True)


async def _until_all(workers: list[Worker], what: str, stop: asyncio.Event) -> None:
    """Waits until every worker reached a handshake step (or a stop was asked for); a worker
    that exits first is a failure."""
    async with asyncio.timeout(START_TIMEOUT_S):
        for worker in workers:
            step = worker.bound if what == "bound" else worker.serving
            reached = asyncio.create_task(step.wait())
            exited = asyncio.create_task(worker.process.wait())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait((reached, exited, stopped), return_when=asyncio.FIRST_COMPLETED)
            for task in (reached, exited, stopped):
                task.cancel()
            if stop.is_set():
                return
            if not step.is_set():
                if worker.relay is not None:
                    await worker.relay  # its last words are printed before ours
                raise WorkerFailedError(
                    f"{worker.describe()} exited with status {worker.process.returncode} "
                    f"before it was {what}"
                )


async def _first_exit(workers: list[Worker]) -> Worker:
    waits = {asyncio.create_task(w.process.wait()): w for w in workers}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return waits[next(iter(done))]


async def _stop_all(workers: list[Worker], requested: bool) -> int:
    """SIGTERM to every worker still running, then waits (SIGKILL after STOP_TIMEOUT_S); 0 when
    the stop was asked for and every worker stopped cleanly."""
    for worker in workers:
        if worker.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
    status = 0
    for worker in workers:
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                code = await worker.process.wait()
        except TimeoutError:
            print(f"pyengine serve: {worker.describe()} did not stop; killing it", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
            code = await worker.process.wait()
        if worker.relay is not None:
            with contextlib.suppress(Exception):
                await worker.relay
        if worker.process.stdin is not None:
            worker.process.stdin.close()
        if code != 0:
            status = 1
    if requested and status == 0:
        print("pyengine stopped cleanly", flush=True)
    return status if requested else 1
