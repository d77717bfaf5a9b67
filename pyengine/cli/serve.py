"""`pyengine serve`: run the engine until Ctrl-C, with its event log in SQLite (default) or in
PostgreSQL (`--store postgresql://...`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from pyengine import shop
from pyengine.eventlog import DEFAULT_COMMIT_MAX_EVENTS, CommitPolicy, StoreUnavailableError
from pyengine.exceptions import EngineError
from pyengine.runtime import (
    DEFAULT_ORDER_RETENTION_S,
    DEFAULT_SNAPSHOT_EVERY,
    DataDirInUseError,
    lock_data_dir,
)
from pyengine.serverproc import READY_PREFIX
from pyengine.service.server import ServeConfig, Started, serve
from pyengine.sharding import ShardingError, plan_shards, read_recorded
from pyengine.storage import StorageConfig
from pyengine.supervisor import WORKER_BOUND_PREFIX, WORKER_READY_PREFIX, run_workers


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("serve", help="run the engine's gRPC server")
    parser.add_argument("--listen", default="127.0.0.1:50051", help="HOST:PORT (port 0: any)")
    parser.add_argument("--data", type=Path, default=Path("var"), help="data folder (SQLite log)")
    parser.add_argument("--shop", type=Path, default=None, help="shop TOML (default: sample shop)")
    parser.add_argument(
        "--promotions",
        type=Path,
        default=None,
        help="promotions TOML/JSON whose ids are new to the log (default with the sample shop: "
        "its sample promotions)",
    )
    parser.add_argument(
        "--durability",
        choices=["full", "normal"],
        default="full",
        help="full: every answer survives a power cut (default); normal: may lose the last "
        "moments of acknowledged orders on a power cut (not on a process crash)",
    )
    parser.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="postgresql://... keeps the event log in PostgreSQL (chains: many engine processes, "
        "each owning the stores of its shop file); default: SQLite in --data",
    )
    parser.add_argument(
        "--pg-schema",
        default="pyengine",
        help="PostgreSQL schema of the event log's tables (default: pyengine)",
    )
    parser.add_argument(
        "--lease-ttl",
        type=float,
        default=10.0,
        metavar="S",
        help="PostgreSQL: seconds without a heartbeat after which another process may take over "
        "this process's stores (default: 10)",
    )
    parser.add_argument(
        "--commit-max-events",
        type=int,
        default=DEFAULT_COMMIT_MAX_EVENTS,
        metavar="N",
        help="group commit: at most N records per transaction (1: one fsync per call; "
        f"default: {DEFAULT_COMMIT_MAX_EVENTS})",
    )
    parser.add_argument(
        "--commit-interval-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="group commit: wait up to MS after the first queued call for others to join its "
        "transaction (default: 0, commit as soon as the previous commit is done)",
    )
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=DEFAULT_SNAPSHOT_EVERY,
        metavar="N",
        help="snapshot the core's state every N records so a restart replays only the records "
        f"after the newest snapshot (default: {DEFAULT_SNAPSHOT_EVERY}; 0: never)",
    )
    parser.add_argument(
        "--order-retention",
        type=float,
        default=DEFAULT_ORDER_RETENTION_S,
        metavar="S",
        help="seconds a READY or CANCELLED order stays in memory (recall, GetOrder) before it is "
        f"evicted; 60 .. 2592000, 0: never evict (default: {DEFAULT_ORDER_RETENTION_S:.0f})",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="demos and simulations only: the engine's clock runs F times faster than the wall "
        "clock (quotes, ETAs and timestamps are in that time)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N engine processes, the shop's stores dealt between them, each with its own "
        "event log under --data and its own port (PORT, PORT+1, ...); clients find a store's "
        "worker with RoutingService.GetRouting (default: 1, one process; docs/workers.md)",
    )
    # Internal: set by the parent of `--workers N` when it starts worker I.
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ...")
    parser.set_defaults(run=run)


def _worker_args(args: argparse.Namespace) -> list[str]:
    """The flags a worker of `--workers N` gets from its parent (all but --listen/--workers)."""
    out = [
        "--data", str(args.data),
        "--durability", args.durability,
        "--commit-max-events", str(args.commit_max_events),
        "--commit-interval-ms", str(args.commit_interval_ms),
        "--snapshot-every", str(args.snapshot_every),
        "--order-retention", str(args.order_retention),
        "--time-scale", str(args.time_scale),
        "--log-level", args.log_level,
    ]  # fmt: skip
    if args.shop is not None:
        out += ["--shop", str(args.shop)]
    if args.promotions is not None:
        out += ["--promotions", str(args.promotions)]
    return out


def _run_parent(args: argparse.Namespace) -> int:
    """`--workers N` with N > 1: deal the stores, hold the data folder, run the workers."""
    if args.store is not None:
        print(
            "pyengine serve: --workers is for the SQLite log; with PostgreSQL run one engine per "
            "shop file (docs/deploy-postgresql.md)",
            file=sys.stderr,
        )
        return 2
    try:
        store_ids = [str(s["id"]) for s in shop.read(args.shop).get("stores", [])]
        args.data.mkdir(parents=True, exist_ok=True)
        # The parent holds the data folder itself, so no one-process server can open it meanwhile.
        with lock_data_dir(args.data):
            plan = plan_shards(args.data, store_ids, args.workers)
            return asyncio.run(run_workers(plan, args.listen, _worker_args(args)))
    except EngineError as exc:
        print(f"pyengine serve: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except (ShardingError, DataDirInUseError, OSError, KeyError, TypeError) as exc:
        print(f"pyengine serve: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    # A worker's log lines say which worker wrote them: the workers share the parent's stderr.
    who = "" if args.worker is None else f"worker {args.worker} "
    logging.basicConfig(
        level=args.log_level.upper(),
        format=f"%(asctime)s %(levelname)s {who}%(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.workers < 1:
        print("pyengine serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    if args.worker is None and args.workers > 1:
        return _run_parent(args)
    if args.worker is None:
        try:
            plan_shards(args.data, [], 1)  # refuses a folder written by several workers
        except ShardingError as exc:
            print(f"pyengine serve: {exc}", file=sys.stderr)
            return 2
    if args.snapshot_every < 0:
        print("pyengine serve: --snapshot-every must be 0 (never) or positive", file=sys.stderr)
        return 2
    if args.time_scale <= 0:
        print("pyengine serve: --time-scale must be positive", file=sys.stderr)
        return 2
    try:
        storage = StorageConfig(
            url=args.store,
            durability=args.durability,
            commit=CommitPolicy(args.commit_max_events, args.commit_interval_ms),
            pg_schema=args.pg_schema,
            lease_ttl_s=args.lease_ttl,
        )
    except ValueError as exc:
        print(f"pyengine serve: {exc}", file=sys.stderr)
        return 2
    shard = None
    if args.worker is not None:
        try:
            shard = read_recorded(args.data)
        except ShardingError as exc:
            print(f"pyengine serve: {exc}", file=sys.stderr)
            return 2
        if shard is None or shard.workers != args.workers or not 0 <= args.worker < args.workers:
            print(
                f"pyengine serve: worker {args.worker} of {args.workers}: {args.data} has no such "
                "deal of stores (start workers with --workers N, not one by one)",
                file=sys.stderr,
            )
            return 2
    config = ServeConfig(
        shard=shard,
        worker_index=args.worker or 0,
        listen=args.listen,
        data_dir=args.data,
        shop=args.shop,
        promotions=args.promotions,
        durability=args.durability,
        time_scale=args.time_scale,
        storage=storage,
        snapshot_every=args.snapshot_every,
        order_retention_s=args.order_retention or None,
    )
    try:
        failure = asyncio.run(_main(config))
    except EngineError as exc:
        print(f"pyengine serve: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except (DataDirInUseError, StoreUnavailableError, OSError) as exc:
        print(f"pyengine serve: {exc}", file=sys.stderr)
        return 2
    if failure:
        print(
            f"pyengine serve: stopped after a failure ({failure}); restart to recover",
            file=sys.stderr,
        )
        return 1
    return 0


async def _main(config: ServeConfig) -> str:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if config.shard is None:
        failure = await serve(config, stop, lambda started: _announce(config, started))
    else:
        parent = _ParentLink(loop, stop)
        failure = await serve(config, stop, _announce_worker, parent.addresses)
    if not failure:
        # A worker whose parent died has nobody to tell.
        with contextlib.suppress(BrokenPipeError):
            print("pyengine stopped cleanly", flush=True)
    return failure


class _ParentLink:
    """A worker's stdin, written by its parent: one line with every worker's address, then
    nothing until end-of-file, which means the parent is gone (even killed): then this worker
    stops too, so that no worker outlives its parent."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        self._loop = loop
        self._stop = stop
        self._table: asyncio.Future[list[str]] = loop.create_future()
        threading.Thread(target=self._read, name="parent-link", daemon=True).start()

    def _read(self) -> None:
        first = sys.stdin.readline()
        self._loop.call_soon_threadsafe(self._answer, first)
        while sys.stdin.readline():
            pass
        self._loop.call_soon_threadsafe(self._stop.set)

    def _answer(self, line: str) -> None:
        if self._table.done():
            return
        try:
            addresses = json.loads(line)
            if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
                raise ValueError(line)
        except ValueError:
            self._table.set_exception(
                OSError("the parent process sent no table of workers (is it gone?)")
            )
            return
        self._table.set_result(addresses)

    async def addresses(self, own: str) -> list[str]:
        print(f"{WORKER_BOUND_PREFIX}{own}", flush=True)
        return await self._table


def _announce_worker(started: Started) -> None:
    print(f"{WORKER_READY_PREFIX}{started.address}", flush=True)
    print(
        f"log: {started.log} ({started.replayed} records replayed); "
        f"stores: {shop.store_list(started.stores)}",
        flush=True,
    )


def _announce(config: ServeConfig, started: Started) -> None:
    print(f"{READY_PREFIX}{started.address}", flush=True)
    print(
        f"  log: {started.log} ({started.replayed} records replayed)\n"
        f"  stores: {shop.store_list(started.stores)}\n"
        f"  try:  pyengine kds --station tea_bar --target {started.address}\n"
        f"        pyengine submit examples/order.json --target {started.address}\n"
        f"  Ctrl-C stops the server cleanly.",
        flush=True,
    )
