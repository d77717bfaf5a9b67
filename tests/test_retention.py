"""Order retention through the runtime: a steady kitchen (submit, start, bump, READY) keeps a
bounded number of orders in the core, the evictions are logged events, and a restart (snapshot
plus tail, or the whole log) rebuilds exactly the live state. A duplicate of an evicted order gets
its first answer from the log; a lookup of one is NOT_FOUND with a reason saying why.

Time is simulated (the runtime's clock is a variable, the load tick is called by the test), so
nothing here depends on the machine's speed."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pyengine import _native
from pyengine.eventlog import Batch
from pyengine.runtime import Clock, Runtime
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2
from tests.support import draft

START_MS = 1_782_000_000_000
RETENTION_S = 60.0
STEP_MS = 5_000
ORDERS = 400
# A minute of finished orders (one every 5 s) plus at most a seventh more waiting for a batch.
BOUND = 16


class SimClock:
    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now


def open_runtime(data_dir: Path, clock: SimClock, snapshot_every: int = 0) -> Runtime:
    runtime = Runtime.open(
        data_dir,
        durability="normal",
        snapshot_every=snapshot_every,
        order_retention_s=RETENTION_S,
    )
    runtime.clock = Clock(runtime.log.last_at_ms(), now_ms=clock)
    runtime.start()
    if runtime._ticker is not None:  # the test owns time: it ticks
        runtime._ticker.cancel()
    return runtime


async def make(runtime: Runtime, key: str) -> tuple[str, bytes, bytes]:
    """Submits a tea and makes it (every ticket started and bumped); returns the order id, the
    request and the first answer."""
    engine = runtime.engine
    request = orders_pb2.SubmitOrderRequest(order=draft(channel_order_id=key)).SerializeToString()
    answer = runtime.answer(await runtime.submit(request))
    order_id = orders_pb2.SubmitOrderResponse.FromString(answer).order_id
    get = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
    order = orders_pb2.Order.FromString(engine.get_order(get, runtime.clock()))
    for ticket in order.tickets:
        action = kitchen_pb2.TicketActionRequest(ticket_id=ticket.ticket_id).SerializeToString()
        await runtime.call(engine.start_ticket, action)
        await runtime.call(engine.bump_ticket, action)
    order = orders_pb2.Order.FromString(engine.get_order(get, runtime.clock()))
    assert order.status == common_pb2.ORDER_STATUS_READY
    return order_id, request, answer


async def tick(runtime: Runtime) -> None:
    # The runtime's own tick, one store a call: the eviction comes with the last store's.
    runtime.tick_slice_stores = 1
    await runtime.tick()


async def refuses_another_draft_under(runtime: Runtime, request: bytes) -> None:
    """Another draft under the key of `request` is refused, naming the field; nothing is written."""
    other = orders_pb2.SubmitOrderRequest.FromString(request)
    other.order.lines[0].quantity += 1
    before = runtime.engine.last_lsn
    with pytest.raises(_native.AlreadyExists, match="channel_order_id"):
        await runtime.submit(other.SerializeToString())
    assert runtime.engine.last_lsn == before


def replayed_hash(runtime: Runtime) -> str:
    """A fresh core fed the whole committed log (no retention set: the records decide)."""
    from pyengine import shop

    fresh = _native.Engine(shop.load_json(None))
    for _lsn, record in runtime.log.records():
        fresh.apply(record)
    return fresh.state_hash()


def test_a_steady_kitchen_keeps_the_core_bounded_and_restarts_to_the_same_state(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pyengine.runtime")

    async def scenario() -> None:
        clock = SimClock()
        runtime = open_runtime(data_dir, clock, snapshot_every=97)
        first: tuple[str, bytes, bytes] | None = None
        peak = 0
        for n in range(ORDERS):
            made = await make(runtime, f"steady-{n}")
            first = first or made
            clock.now += STEP_MS
            await tick(runtime)
            peak = max(peak, runtime.engine.orders_in_memory)
        assert peak <= BOUND, f"{peak} orders in memory"
        assert first is not None
        order_id, request, answer = first

        # The first order is gone from memory, and says so.
        get = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
        with pytest.raises(_native.NotFound, match="retention"):
            runtime.engine.get_order(get, runtime.clock())
        # A duplicate within the idempotency window gets its first answer, byte for byte, from
        # the logged submission; nothing is written. Its key left memory with the order: the
        # core asks for it, and the event store's key table has it.
        before = runtime.engine.last_lsn
        assert runtime.engine.submit_order(request, runtime.clock()).key_lookup is not None
        outcome = await runtime.submit(request)
        assert outcome.replayed and outcome.receipt_lsn and not outcome.events
        assert runtime.answer(outcome) == answer
        assert runtime.engine.last_lsn == before
        await refuses_another_draft_under(runtime, request)

        live = runtime.engine.state_hash()
        assert replayed_hash(runtime) == live
        await runtime.close()

        # Restart: the newest snapshot plus the records after it gives the live state.
        restarted = open_runtime(data_dir, clock, snapshot_every=97)
        assert "restored the snapshot at lsn" in caplog.text
        assert restarted.engine.state_hash() == live
        assert restarted.engine.orders_in_memory <= BOUND
        # The key table survived the restart with the log.
        outcome = await restarted.submit(request)
        assert outcome.replayed and restarted.answer(outcome) == answer
        await refuses_another_draft_under(restarted, request)
        await restarted.close()

    asyncio.run(scenario())


def test_a_duplicate_finds_a_key_whose_eviction_is_not_yet_durable(data_dir: Path) -> None:
    """Between the eviction taking a key out of memory and its commit putting it in the store's
    key table, a duplicate still finds it: the commit is held back while the duplicate comes."""

    async def scenario() -> None:
        clock = SimClock()
        runtime = open_runtime(data_dir, clock)
        _, request, answer = await make(runtime, "in-flight")
        clock.now += int(3 * RETENTION_S * 1000)
        release = threading.Event()
        commit = runtime.log._commit

        def held_commit(batches: list[Batch]) -> None:
            release.wait(timeout=30)
            commit(batches)

        runtime.log._commit = held_commit  # type: ignore[method-assign]
        ticking = asyncio.create_task(tick(runtime))
        # The tick's slices (one store each) run until the last one decides the eviction and
        # waits for its commit.
        for _ in range(10 * len(runtime.engine.store_ids())):
            await asyncio.sleep(0)
            if runtime.engine.orders_in_memory == 0:
                break
        assert runtime.engine.orders_in_memory == 0
        assert runtime._keys_in_flight
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "in-flight") is None
        outcome = await runtime.submit(request)
        assert outcome.replayed and runtime.answer(outcome) == answer
        await refuses_another_draft_under(runtime, request)
        release.set()
        await ticking
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "in-flight") is not None
        assert not runtime._keys_in_flight
        outcome = await runtime.submit(request)
        assert outcome.replayed and runtime.answer(outcome) == answer
        await runtime.close()

    asyncio.run(scenario())


def test_keys_past_the_window_leave_the_store_and_may_name_a_new_order(data_dir: Path) -> None:
    """The store's key table keeps a key for the idempotency window (7 days by default), no
    longer: then the key names a new order."""

    async def scenario() -> None:
        clock = SimClock()
        runtime = open_runtime(data_dir, clock)
        first_id, request, _ = await make(runtime, "weekly")
        clock.now += int(3 * RETENTION_S * 1000)
        await tick(runtime)
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "weekly") is not None
        # Eight days on, the next eviction drops the week-old keys from the table.
        clock.now += 8 * 24 * 3600 * 1000
        await make(runtime, "next-week")
        clock.now += int(3 * RETENTION_S * 1000)
        await tick(runtime)
        assert runtime.engine.orders_in_memory == 0
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "weekly") is None
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "next-week") is not None
        outcome = await runtime.submit(request)
        assert not outcome.replayed and outcome.events
        second = orders_pb2.SubmitOrderResponse.FromString(runtime.answer(outcome))
        assert second.order_id != first_id
        await runtime.close()

    asyncio.run(scenario())


def test_serve_refuses_a_bad_retention_naming_the_setting(tmp_path: Path) -> None:
    serve = [sys.executable, "-m", "pyengine", "serve", "--data", str(tmp_path / "data")]
    done = subprocess.run(
        [*serve, "--listen", "127.0.0.1:0", "--order-retention", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "order_retention_s: must be between 60" in done.stderr
