"""Submissions per second under each durability setting, measured side by side in one run.

    .venv/bin/python -m benchmarks.bench_durability [--orders 3000] [--concurrency 64] [--rounds 3]

Each mode runs a real `pyengine serve` process on a fresh data folder (and, for PostgreSQL, a
schema of its own) and a grpc.aio client that keeps `--concurrency` SubmitOrder calls in flight
until `--orders` have been acknowledged. Modes:

- group commit: the default (synchronous=FULL, one transaction for whatever queued meanwhile);
- fsync per order: `--commit-max-events 1`, one transaction (one fsync) per call, the baseline;
- normal: `--durability normal` (SQLite synchronous=NORMAL: no fsync per commit in WAL mode);
- postgresql group commit / fsync per order: when PYENGINE_TEST_PG (or the default local DSN) is
  reachable.

Rounds alternate the modes (A B C A B C ...) so that drift in the machine's load hits every mode
alike; the table reports the median of the rounds and the ratio to "fsync per order". Correctness
is recorded beside speed: every acknowledged order must be in the log exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc

from pyengine import shop
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, orders_pb2

SUBMIT = "/pyengine.v1.OrderService/SubmitOrder"
PG_URL = os.environ.get("PYENGINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
STORES = [f"bench-{i:03d}" for i in range(500)]
SKUS = ("classic_milk_tea", "lemon_black_tea", "fresh_grape_tea", "mango_smoothie")


def requests(count: int, tag: str) -> list[bytes]:
    out = []
    for i in range(count):
        draft = orders_pb2.OrderDraft(
            store_id=STORES[i % len(STORES)],
            channel=common_pb2.CHANNEL_MEITUAN,
            channel_order_id=f"bench-{tag}-{i}",
            lines=[orders_pb2.OrderLine(sku=SKUS[i % len(SKUS)], quantity=1 + i % 2)],
        )
        out.append(orders_pb2.SubmitOrderRequest(order=draft).SerializeToString())
    return out


async def drive(target: str, payloads: list[bytes], concurrency: int) -> tuple[float, set[str]]:
    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary(SUBMIT, request_serializer=None, response_deserializer=None)
        await call(payloads[0], timeout=30)  # warm the connection; counted below as a replay
        pending = iter(payloads)
        ids: set[str] = set()

        async def worker() -> None:
            for payload in pending:
                answer = await call(payload, timeout=60)
                ids.add(orders_pb2.SubmitOrderResponse.FromString(answer).order_id)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, ids


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def logged_orders(mode_args: list[str], data_dir: Path, schema: str) -> int:
    if "--store" in mode_args:
        import psycopg

        with psycopg.connect(PG_URL) as conn:
            row = conn.execute(
                f"SELECT count(*) FROM {schema}.events WHERE kind = 'order_submitted'"
            ).fetchone()
            return int(row[0]) if row else 0
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / 'events.sqlite3'}?mode=ro", uri=True) as conn:
        return int(
            conn.execute("SELECT count(*) FROM events WHERE kind = 'order_submitted'").fetchone()[0]
        )


def bench_shop(root: Path) -> Path:
    """The sample shop's menu in STORES stores (a chain's engine), without fast mode and channel
    pauses. Nobody works the orders off here: spread over many stores, each kitchen's queue stays
    short, so the planner's cost per order stays what it is in a real rush and the log is what is
    measured (one store holding every order would measure replanning thousands of open orders)."""
    path = root / "shop.toml"
    text = shop.sample_shop_path().read_text("utf-8")
    sample_stores = (
        '[[stores]]\nid = "sh-001"\nname = "茶颜示范店 · 人民广场"\n\n'
        '[[stores]]\nid = "sh-002"\nname = "茶颜示范店 · 静安寺"\n'
    )
    assert sample_stores in text, "the sample shop's stores changed"
    stores = "\n".join(f'[[stores]]\nid = "{s}"\nname = "{s}"\n' for s in STORES)
    text = text.replace(sample_stores, stores)
    path.write_text(text + "\n[scheduler]\nfast_mode = false\nchannel_pause = false\n", "utf-8")
    return path


def run_mode(args: list[str], orders: int, concurrency: int, root: Path) -> tuple[float, bool]:
    tag = uuid.uuid4().hex[:8]
    data_dir = root / tag
    schema = f"pyengine_bench_{tag}"
    mode_args = [a.replace("{schema}", schema) for a in args]
    promotions = ["--promotions", str(shop.sample_promotions_path())]
    server = ServerProcess(
        data_dir,
        shop=bench_shop(root),
        extra_args=[*promotions, *mode_args, "--log-level", "WARNING"],
    )
    server.start()
    try:
        elapsed, ids = asyncio.run(drive(server.target, requests(orders, tag), concurrency))
        correct = len(ids) == orders and logged_orders(mode_args, data_dir, schema) == orders
    finally:
        server.stop()
        if "--store" in mode_args:
            import psycopg

            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return orders / elapsed, correct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    modes: dict[str, list[str]] = {
        "sqlite group commit (full)": [],
        "sqlite fsync per order (full)": ["--commit-max-events", "1"],
        "sqlite normal": ["--durability", "normal"],
    }
    if not options.no_postgres and pg_available():
        pg = ["--store", PG_URL, "--pg-schema", "{schema}"]
        modes["postgresql group commit"] = pg
        modes["postgresql commit per order"] = [*pg, "--commit-max-events", "1"]
    elif not options.no_postgres:
        print(f"(PostgreSQL modes skipped: {PG_URL} not reachable)", file=sys.stderr)
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    correct: dict[str, bool] = dict.fromkeys(modes, True)
    with tempfile.TemporaryDirectory(prefix="pyengine-bench-", dir=".") as root:
        for round_no in range(options.rounds):
            for mode, args in modes.items():
                rate, ok = run_mode(args, options.orders, options.concurrency, Path(root))
                rates[mode].append(rate)
                correct[mode] &= ok
                print(f"round {round_no + 1} {mode:<32} {rate:>8.0f} orders/s", file=sys.stderr)
    baseline = statistics.median(rates["sqlite fsync per order (full)"])
    print(
        f"\nSubmitOrder throughput: {options.orders} orders, {options.concurrency} in flight, "
        f"median of {options.rounds} rounds, one real server process per run"
    )
    print(f"{'mode':<32} {'orders/s':>9} {'vs fsync per order':>19}  correct")
    for mode, values in rates.items():
        median = statistics.median(values)
        print(f"{mode:<32} {median:>9.0f} {median / baseline:>18.2f}x  {correct[mode]}")
    return 0 if all(correct.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
