"""Start-up time of an engine whose SQLite log holds N records (default 100,000): a full replay,
and a restore from a snapshot 10,000 records before the end plus the replay of that tail (what
`Runtime.open` does with the default `--snapshot-every`), measured in the same run on a log this
script builds.

    .venv/bin/python -m benchmarks.bench_startup [--records 100000] [--keep DIR]

The log is made by the core itself, as a busy shop would make it: orders submitted and every one of
their tickets started and bumped, so the kitchen's queue stays short (a log of only submissions
would measure a kitchen with 100,000 open orders, which no shop has). Records are written through
the real EventLog in large transactions. The replayed state hash is checked against the live one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from pyengine import _native, shop, snapshots
from pyengine.eventlog import Batch, CommitPolicy, EventLog
from pyengine.runtime import DEFAULT_SNAPSHOT_EVERY, Runtime
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2

SKUS = ("classic_milk_tea", "lemon_black_tea", "fresh_grape_tea", "jasmine_milk_green")


def build(engine: _native.Engine, target: int, seed: int = 1) -> list[Batch]:
    rng = random.Random(seed)
    batches: list[Batch] = []
    now = 1_782_000_000_000
    i = 0
    while engine.last_lsn < target:
        i += 1
        now += rng.randint(500, 3_000)
        draft = orders_pb2.OrderDraft(
            store_id=("sh-001", "sh-002")[i % 2],
            channel=common_pb2.CHANNEL_MEITUAN,
            channel_order_id=f"startup-{i}",
            lines=[orders_pb2.OrderLine(sku=rng.choice(SKUS), quantity=1 + i % 2)],
        )
        try:
            outcome = engine.submit_order(
                orders_pb2.SubmitOrderRequest(order=draft).SerializeToString(), now
            )
        except _native.FailedPrecondition:
            continue
        batches.append(Batch(outcome.events, outcome.ticket_events))
        order_id = orders_pb2.SubmitOrderResponse.FromString(outcome.response).order_id
        # The kitchen works the order off, station by station.
        for _ in range(8):
            order = orders_pb2.Order.FromString(
                engine.get_order(
                    orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString(), now
                )
            )
            queued = [t for t in order.tickets if t.state == common_pb2.TICKET_STATE_QUEUED]
            if not queued:
                break
            for ticket in queued:
                for action in (engine.start_ticket, engine.bump_ticket):
                    now += rng.randint(1_000, 5_000)
                    request = kitchen_pb2.TicketActionRequest(ticket_id=ticket.ticket_id)
                    try:
                        done = action(request.SerializeToString(), now)
                    except _native.FailedPrecondition:
                        break
                    batches.append(Batch(done.events, done.ticket_events))
    return batches


async def write(path: Path, batches: list[Batch]) -> None:
    log = EventLog(path, policy=CommitPolicy(max_events=20_000))
    log.start(asyncio.get_running_loop())
    for batch in batches:
        log.append(batch)
    await log.durable(batches[-1].last_lsn)
    await log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the log in DIR and keep it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyengine-startup-", dir=".") as tmp:
        data_dir = options.keep or Path(tmp)
        live = _native.Engine(shop.load_json(None))
        started = time.perf_counter()
        batches = build(live, options.records)
        built = time.perf_counter() - started
        asyncio.run(write(data_dir / "events.sqlite3", batches))
        print(f"built {live.last_lsn} records in {built:.1f} s (live core)")
        full = timed_opens(data_dir, live, snapshot_every=0)
        print(
            f"start-up (open + full replay) of {live.last_lsn} records: best {min(full):.2f} s, "
            f"worst {max(full):.2f} s of 3; {live.last_lsn / min(full):,.0f} records/s; "
            "state hash equal"
        )
        tail = min(TAIL, live.last_lsn - 1)
        write_snapshot(data_dir, live.last_lsn - tail)
        restored = timed_opens(data_dir, live, snapshot_every=DEFAULT_SNAPSHOT_EVERY)
        print(
            f"start-up (open + snapshot at lsn {live.last_lsn - tail} + replay of {tail} records): "
            f"best {min(restored):.2f} s, worst {max(restored):.2f} s of 3; "
            f"{min(full) / min(restored):.1f}x faster than the full replay; state hash equal"
        )
    return 0


# The newest snapshot is at most this many records behind the log (the default --snapshot-every).
TAIL = DEFAULT_SNAPSHOT_EVERY


def timed_opens(data_dir: Path, live: _native.Engine, snapshot_every: int) -> list[float]:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        runtime = Runtime.open(data_dir, snapshot_every=snapshot_every)
        timings.append(time.perf_counter() - started)
        assert runtime.engine.last_lsn == live.last_lsn
        assert runtime.engine.state_hash() == live.state_hash(), "start-up differs from live"
        asyncio.run(runtime.close())
    return timings


def write_snapshot(data_dir: Path, lsn: int) -> None:
    """A snapshot at `lsn`, made the way the runtime makes one (replaying the log up to it)."""
    shop_json = shop.load_json(None)
    engine = _native.Engine(shop_json)
    log = EventLog(data_dir / "events.sqlite3")
    last = b""
    for record_lsn, record in log.records():
        if record_lsn > lsn:
            break
        engine.apply(record)
        last = record
    log.abandon()
    snapshots.write(
        data_dir,
        snapshots.Snapshot(
            lsn=lsn,
            shop_digest=snapshots.digest(shop_json),
            record_digest=snapshots.digest(last),
            state_hash=engine.state_hash(),
            state=engine.snapshot(),
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
