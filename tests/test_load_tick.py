"""The load tick through the runtime: spread over calls of a few stores each (so that a thousand
busy stores do not hold the event loop in one piece), it records exactly what one call over every
store records.

Time is simulated (the runtime's clock is a variable and the test calls the tick), so nothing
here depends on the machine's speed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyengine import _native, shop
from pyengine.runtime import Clock, Runtime
from pyengine.v1 import common_pb2, orders_pb2, store_pb2
from tests.support import draft

START_MS = 1_782_000_000_000
STORES = ("sh-001", "sh-002")
BUSY_AT = 10  # the sample shop's first rung: 10 orders waiting
DWELL_MS = 180_000  # the sample shop's min_dwell: a level holds this long


def open_runtime(data_dir: Path, now: list[int]) -> Runtime:
    runtime = Runtime.open(data_dir, durability="normal", snapshot_every=0)
    runtime.clock = Clock(runtime.log.last_at_ms(), now_ms=lambda: now[0])
    runtime.start()
    if runtime._ticker is not None:  # the test owns time: it ticks
        runtime._ticker.cancel()
    return runtime


def level(runtime: Runtime, store_id: str) -> int:
    return store_pb2.LoadUpdate.FromString(runtime.engine.load(store_id, runtime.clock())).level


async def busy_then_empty(runtime: Runtime, now: list[int]) -> None:
    """Both stores reach busy, then every order is cancelled a second later."""
    engine = runtime.engine
    for store in STORES:
        for n in range(BUSY_AT):
            order = draft(store_id=store, channel_order_id=f"{store}-{n}")
            request = orders_pb2.SubmitOrderRequest(order=order).SerializeToString()
            await runtime.submit(request)
    now[0] += 1_000
    for store in STORES:
        for n in range(1, BUSY_AT + 1):
            cancel = orders_pb2.CancelOrderRequest(order_id=f"{store}-{n:06d}", reason="test")
            await runtime.call(engine.cancel_order, cancel.SerializeToString())


async def tick_after_the_dwell(data_dir: Path, slice_stores: int) -> tuple[list[bytes], str]:
    """The records one tick after the dwell time writes, and the state hash after it."""
    now = [START_MS]
    runtime = open_runtime(data_dir, now)
    await busy_then_empty(runtime, now)
    assert [level(runtime, store) for store in STORES] == [common_pb2.LOAD_LEVEL_BUSY] * 2
    before = runtime.engine.last_lsn
    now[0] += DWELL_MS
    runtime.tick_slice_stores = slice_stores
    await runtime.tick()
    assert [level(runtime, store) for store in STORES] == [common_pb2.LOAD_LEVEL_NORMAL] * 2
    await runtime.log.durable(runtime.engine.last_lsn)
    records = [record for _lsn, record in runtime.log.records(before)]
    state = runtime.engine.state_hash()
    # The log replays to the live state.
    fresh = _native.Engine(shop.load_json(None))
    for _lsn, record in runtime.log.records():
        fresh.apply(record)
    assert fresh.state_hash() == state
    await runtime.close()
    return records, state


def test_a_tick_in_slices_of_one_store_records_what_one_call_records(tmp_path: Path) -> None:
    async def scenario() -> None:
        sliced, sliced_state = await tick_after_the_dwell(tmp_path / "sliced", 1)
        whole, whole_state = await tick_after_the_dwell(tmp_path / "whole", 1000)
        assert len(whole) == len(STORES), "each store eases off once"
        assert sliced == whole
        assert sliced_state == whole_state

    asyncio.run(scenario())
