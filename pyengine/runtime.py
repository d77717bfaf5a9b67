"""The engine at run time: the Rust core, its event log, and the live streams. No gRPC in here.

Every state-changing call follows one path: the core decides and applies it in memory (on the event
loop thread, so calls are serialised), the records go to the log's writer, and the caller is
answered only once they are durable; the stream updates are published at that moment, in log
order. On start-up the log is replayed into a fresh core, so a restart loses nothing that was
acknowledged and keeps every sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyengine import _native, shop, snapshots
from pyengine.eventlog import Batch, Durability, EventStore, KeyEntry, LoggedKey
from pyengine.exceptions import InvalidArgument
from pyengine.hub import Hub, HubClosedError, Subscription
from pyengine.sharding import shop_with_stores
from pyengine.storage import StorageConfig, open_event_store
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2, promotions_pb2, store_pb2

log = logging.getLogger(__name__)

LOCK_FILE = "pyengine.lock"
# An ETA that moves by this much is worth telling a watching customer about.
ETA_DRIFT_MS = 15_000
# How often watched ETAs and load levels are re-projected when nothing else happens.
REFRESH_INTERVAL_S = 1.0
# Records between snapshots of the core's state (0: none); restart replays at most this many.
DEFAULT_SNAPSHOT_EVERY = 10_000
# How often the core re-judges load levels while nothing else happens (levels fall by time).
TICK_INTERVAL_S = 1.0
# Stores re-judged per call of a tick (at ~70 us a busy store: a few milliseconds a slice).
TICK_SLICE_STORES = 50
# A finished order stays in the core's memory this long (recall, GetOrder while the customer
# waits); then the tick records its eviction. None keeps every order.
DEFAULT_ORDER_RETENTION_S = 1800.0
FEED_PAGE = 1000
TERMINAL = (common_pb2.ORDER_STATUS_READY, common_pb2.ORDER_STATUS_CANCELLED)

StateCall = Callable[[bytes, int], _native.Outcome]


class ServerStoppingError(Exception):
    """A stream ended because the server is shutting down; clients should reconnect."""


class DataDirInUseError(Exception):
    pass


class EngineFailedError(Exception):
    """The core failed in the middle of a state change; the process stops and recovers by replay."""


def is_panic(exc: BaseException) -> bool:
    """A Rust panic surfaces as pyo3's PanicException, a BaseException."""
    return type(exc).__name__ == "PanicException"


@dataclass(frozen=True, slots=True)
class OrderView:
    version: int
    eta_ms: int
    terminal: bool
    order: bytes


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Clock:
    """The time the core is given: wall-clock milliseconds that never go backwards, not even
    across a restart (`floor` is the log's last timestamp), optionally running `scale` times
    faster than the wall clock from the moment it was made (for demos and simulations)."""

    def __init__(
        self, floor: int = 0, scale: float = 1.0, now_ms: Callable[[], int] = wall_ms
    ) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self._now = now_ms
        self._origin = now_ms()
        self._scale = scale
        self._last = floor

    def __call__(self) -> int:
        wall = self._now()
        now = (
            wall if self._scale == 1.0 else self._origin + int((wall - self._origin) * self._scale)
        )
        self._last = max(self._last, now)
        return self._last


class Runtime:
    def __init__(
        self,
        engine: _native.Engine,
        event_log: EventStore,
        lock: IO[str],
        clock: Clock,
        snapshot: SnapshotPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.snapshot = snapshot
        self.log = event_log
        self.clock = clock
        self.tickets: Hub[tuple[str, str], tuple[int, bytes]] = Hub()
        self.orders: Hub[str, OrderView] = Hub()
        # A load's key is (level, since_ms): every recorded move of the ladder changes it.
        self.loads: Hub[str, tuple[tuple[int, int], bytes]] = Hub()
        self._lock = lock
        self._published_level: dict[str, tuple[int, int]] = {}
        self._dirty = asyncio.Event()
        self._refresher: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._store_count = len(engine.store_ids())
        # Keys that left the core's memory in records not yet durable (so not yet readable from
        # the store's key table): a duplicate arriving meanwhile must still find them.
        self._keys_in_flight: dict[tuple[int, str], KeyEntry] = {}
        self.tick_slice_stores = TICK_SLICE_STORES
        # Set when the in-memory state can no longer be trusted to match the log.
        self.fatal = asyncio.Event()
        self.fatal_reason = ""
        event_log.on_failure = lambda exc: self.fail(f"event log commit failed: {exc!r}")

    @classmethod
    def open(
        cls,
        data_dir: Path,
        shop_path: Path | None = None,
        durability: Durability = "full",
        time_scale: float = 1.0,
        storage: StorageConfig | None = None,
        snapshot_every: int = DEFAULT_SNAPSHOT_EVERY,
        order_retention_s: float | None = DEFAULT_ORDER_RETENTION_S,
        store_ids: Sequence[str] | None = None,
    ) -> Runtime:
        """Loads the shop (only `store_ids` of its stores, when given: one worker's share), takes
        the data folder, restores its newest usable snapshot and replays the log after it into a
        new core (the whole log when there is none)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = lock_data_dir(data_dir)
        try:
            shop_json = shop.load_json(shop_path)
            if store_ids is not None:
                shop_json = shop_with_stores(shop_json, store_ids)
            engine = _native.Engine(shop_json)
            # Refused before the log is opened. The evicted orders' idempotency keys leave memory
            # for the event store's key table: memory stays flat at a steady rate.
            engine.set_order_retention(order_retention_s, keys_to_log=True)
            storage = storage or StorageConfig(durability=durability)
            event_log = open_event_store(storage, data_dir, engine.store_ids())
            policy = None
            if snapshot_every > 0:
                policy = SnapshotPolicy(data_dir, snapshot_every, snapshots.digest(shop_json))
            try:
                engine, after = _restore(engine, shop_json, event_log, policy)
                # A fresh engine if it fell back.
                engine.set_order_retention(order_retention_s, keys_to_log=True)
                _replay(engine, event_log, after)
            except BaseException:
                event_log.abandon()
                raise
            if policy is not None:
                policy.last_lsn = engine.last_lsn
        except BaseException:
            lock.close()
            raise
        clock = Clock(event_log.last_at_ms(), time_scale)
        return cls(engine, event_log, lock, clock, policy)

    def start(self) -> None:
        self.log.start(asyncio.get_running_loop())
        self._refresher = asyncio.create_task(self._refresh_loop(), name="watch-refresher")
        self._ticker = asyncio.create_task(self._tick_loop(), name="load-ticker")

    async def end_streams(self) -> None:
        """Ends every open stream (they finish with UNAVAILABLE) and stops re-projecting."""
        for task in (self._ticker, self._refresher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._ticker = self._refresher = None
        for hub in (self.tickets, self.orders, self.loads):
            hub.close()

    async def close(self) -> None:
        """Ends the streams, commits what is queued, and releases the data folder."""
        await self.end_streams()
        await self.log.close()
        self._lock.close()

    async def seed_promotions(self, definitions: list[str]) -> int:
        """Defines the promotions of a file whose ids the log does not know yet; returns how many.
        Known ids are left alone: once defined, a promotion changes through PromotionService, so
        a restart never undoes a manager's change (such as switching a promotion off)."""
        known = self.promotion_ids()
        added = 0
        for definition in definitions:
            promotion_id = json.loads(definition).get("id")
            if promotion_id in known:
                continue
            request = promotions_pb2.PutPromotionRequest(definition_json=definition)
            await self.call(self.engine.put_promotion, request.SerializeToString())
            added += 1
        return added

    def promotion_ids(self) -> set[str]:
        listed = promotions_pb2.ListPromotionsResponse.FromString(
            self.engine.list_promotions(promotions_pb2.ListPromotionsRequest().SerializeToString())
        )
        return {p.id for p in listed.promotions}

    # State-changing calls.

    async def call(self, method: StateCall, request: bytes) -> _native.Outcome:
        """Runs one state-changing core method; returns once its effects are durable."""
        try:
            outcome = method(request, self.clock())
        except BaseException as exc:
            if not is_panic(exc):
                raise
            # The state may be half-changed: stop, and let the restart replay the durable log.
            self.fail(f"the core panicked during a state change: {exc}")
            raise EngineFailedError("internal error; the engine restarts") from None
        pending = self._take_snapshot(outcome)
        try:
            if outcome.events:
                logged_keys = outcome.logged_keys  # built once: the batch and the publication
                if logged_keys:
                    self._keys_leaving(logged_keys)
                self.log.append(
                    Batch(
                        outcome.events,
                        outcome.ticket_events,
                        lambda: self._publish(outcome, logged_keys),
                        logged_keys,
                        outcome.keys_forgotten_before_ms,
                    )
                )
            if outcome.lsn:
                await self.log.durable(outcome.lsn)
            if pending is not None and self.snapshot is not None:
                # Written only once its lsn is durable: a snapshot is never ahead of the log.
                await asyncio.to_thread(pending.write, self.snapshot.data_dir)
        finally:
            if pending is not None and self.snapshot is not None:
                self.snapshot.writing = False
        return outcome

    async def submit(self, request: bytes) -> _native.Outcome:
        """SubmitOrder. A key the core's memory no longer holds is looked up in the event store
        (its order left memory), and the core decides again with what the store has."""
        outcome = await self.call(self.engine.submit_order, request)
        key = outcome.key_lookup
        if key is None:
            return outcome
        # Other calls may run while the store answers: the second decision asks memory again
        # first, so a submission of the same key admitted meanwhile is found there.
        logged = self._keys_in_flight.get(key) or await self.log.find_logged_key(*key)

        def with_logged_key(request: bytes, now_ms: int) -> _native.Outcome:
            return self.engine.submit_order_with_logged_key(request, now_ms, logged)

        return await self.call(with_logged_key, request)

    def _keys_leaving(self, logged_keys: Sequence[LoggedKey]) -> None:
        """Holds the keys an eviction took out of memory until the store has them."""
        for channel, channel_order_id, order_id, fingerprint, accepted_at_ms, lsn in logged_keys:
            entry = (order_id, fingerprint, accepted_at_ms, lsn)
            self._keys_in_flight[(channel, channel_order_id)] = entry

    def _keys_logged(self, logged_keys: Sequence[LoggedKey]) -> None:
        """Lets go of the keys the store now holds (unless a later eviction held them again)."""
        for channel, channel_order_id, _, _, _, lsn in logged_keys:
            key = (channel, channel_order_id)
            held = self._keys_in_flight.get(key)
            if held is not None and held[3] == lsn:
                del self._keys_in_flight[key]

    def answer(self, outcome: _native.Outcome) -> bytes:
        """The call's answer: its response, or for a duplicate submission of an order no longer
        in memory, the first answer rendered from the logged submission record."""
        if not outcome.receipt_lsn:
            return outcome.response
        record = self.log.committed_record(outcome.receipt_lsn)
        if record is None:
            # The core remembers a submission the log does not have: memory and log disagree.
            self.fail(f"the log has no record {outcome.receipt_lsn} for a remembered submission")
            raise EngineFailedError("internal error; the engine restarts")
        return _native.logged_receipt(record)

    def _take_snapshot(self, outcome: _native.Outcome) -> snapshots.Pending | None:
        """A copy of the state right after this call, if a snapshot is due (taken now, before
        any other call changes the state, so it holds exactly the records up to `outcome.lsn`;
        encoded and written on a thread). Not while the previous one is still being written."""
        policy = self.snapshot
        if (
            policy is None
            or policy.writing
            or not outcome.events
            or outcome.lsn - policy.last_lsn < policy.every
        ):
            return None
        policy.last_lsn = outcome.lsn
        policy.writing = True
        return snapshots.Pending(
            lsn=outcome.lsn,
            shop_digest=policy.shop_digest,
            record_digest=snapshots.digest(outcome.events[-1][3]),
            state=self.engine.copy_state(),
        )

    def fail(self, reason: str) -> None:
        if not self.fatal.is_set():
            log.critical("stopping: %s", reason)
            self.fatal_reason = reason
            self.fatal.set()

    def _publish(self, outcome: _native.Outcome, logged_keys: Sequence[LoggedKey]) -> None:
        if logged_keys:
            self._keys_logged(logged_keys)
        for store_id, station, seq, event in outcome.ticket_events:
            self.tickets.publish((store_id, station), (seq, event))
        for order_id, version, order in outcome.order_updates:
            if self.orders.has(order_id):  # parse only what somebody watches
                self.orders.publish(order_id, _order_view(order, version))
        self._dirty.set()

    # Streams.

    async def stream_tickets(self, request: bytes) -> AsyncIterator[bytes]:
        """The station's ticket events after `after_seq`, then live ones, each exactly once."""
        async for batch in self._station_feed(request):
            for _, event in batch:
                yield event

    async def stream_ticket_batches(self, request: bytes) -> AsyncIterator[bytes]:
        """`stream_tickets`, the consecutive events that are ready together in one serialized
        TicketEventBatch."""
        async for batch in self._station_feed(request):
            yield _event_batch(batch)

    async def _station_feed(self, request: bytes) -> AsyncIterator[list[tuple[int, bytes]]]:
        """The station's (seq, event) after `after_seq` in runs of consecutive seqs: pages of
        the history, then what each publication brings, each event exactly once."""
        req = kitchen_pb2.StreamTicketsRequest.FromString(request)
        if req.station not in self.engine.stations(req.store_id):
            raise InvalidArgument("station", f"unknown station {req.station!r}")
        key = (req.store_id, req.station)
        subscription = self.tickets.subscribe(key)
        try:
            last = req.after_seq
            newest = self.log.ticket_feed_last_seq(*key)
            if last > newest:
                raise InvalidArgument(
                    "after_seq",
                    f"{last} is ahead of the station's last seq {newest}; resume from 0",
                )
            async for batch in self._feed_after(key, last, subscription):
                yield batch
        except HubClosedError:
            raise ServerStoppingError from None
        finally:
            self.tickets.unsubscribe(key, subscription)

    async def _feed_after(
        self,
        key: tuple[str, str],
        last: int,
        subscription: Subscription[tuple[int, bytes]],
    ) -> AsyncIterator[list[tuple[int, bytes]]]:
        # Subscribed before the history is read: whatever commits meanwhile is in one or the
        # other, and the seq check drops what is in both.
        while True:
            while True:
                page = self.log.ticket_feed(*key, last, FEED_PAGE)
                if page:
                    yield page
                    last = page[-1][0]
                if len(page) < FEED_PAGE:
                    break
            subscription.lagged = False
            while not subscription.lagged:
                published = await subscription.next_batch()
                if subscription.lagged:
                    break
                run: list[tuple[int, bytes]] = []
                gap = False
                for seq, event in published:
                    if seq <= last:
                        continue
                    if seq != last + 1:
                        gap = True
                        break
                    run.append((seq, event))
                    last = seq
                if run:
                    yield run
                if gap:
                    break

    async def watch_order(self, request: bytes) -> AsyncIterator[bytes]:
        """The order now, then each change of status or tickets and each ETA move of at least
        ETA_DRIFT_MS; ends once the order is READY or CANCELLED."""
        req = orders_pb2.WatchOrderRequest.FromString(request)
        subscription = self.orders.subscribe(req.order_id)
        try:
            current = self._order_now(req.order_id)
            yield current.order
            last = current
            while not last.terminal:
                batch = await subscription.next_batch()
                if subscription.lagged:
                    subscription.lagged = False
                    batch = [self._order_now(req.order_id)]
                for view in batch:
                    newer = view.version > last.version
                    moved = abs(view.eta_ms - last.eta_ms) >= ETA_DRIFT_MS
                    if newer or (view.version == last.version and moved):
                        yield view.order
                        last = view
                        if last.terminal:
                            break
        except HubClosedError:
            raise ServerStoppingError from None
        finally:
            self.orders.unsubscribe(req.order_id, subscription)

    async def watch_load(self, request: bytes) -> AsyncIterator[bytes]:
        """The store's load now, then every change of level."""
        req = store_pb2.WatchLoadRequest.FromString(request)
        subscription = self.loads.subscribe(req.store_id)
        try:
            update = self.engine.load(req.store_id, self.clock())
            level = _load_key(update)
            self._published_level.setdefault(req.store_id, level)
            yield update
            while True:
                batch = await subscription.next_batch()
                if subscription.lagged:
                    subscription.lagged = False
                    now = self.engine.load(req.store_id, self.clock())
                    batch = [(_load_key(now), now)]
                for new_level, message in batch:
                    if new_level != level:
                        yield message
                        level = new_level
        except HubClosedError:
            raise ServerStoppingError from None
        finally:
            self.loads.unsubscribe(req.store_id, subscription)

    def _order_now(self, order_id: str) -> OrderView:
        request = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
        order = self.engine.get_order(request, self.clock())
        return _order_view(order, None)

    # Re-projection for watchers: ETAs drift and load levels change as time passes.

    async def _tick_loop(self) -> None:
        """Lets the core lower (or raise) load levels as time passes; each move is a logged
        record like any other state change. A tick re-plans every store with open orders: one
        call for a thousand busy stores held the event loop for tens of milliseconds, so the
        stores are ticked TICK_SLICE_STORES at a time, with requests served in between."""
        while True:
            await asyncio.sleep(TICK_INTERVAL_S)
            try:
                await self.tick()
            except EngineFailedError:
                return
            except Exception:
                log.exception("the load tick failed")

    async def tick(self) -> None:
        """One tick of the clock over every store, `tick_slice_stores` stores a call (each a
        state change like any other), yielding to the event loop between calls."""
        slice_stores = self.tick_slice_stores

        def stores_from(first: int) -> StateCall:
            return lambda _request, now: self.engine.tick(now, first, slice_stores)

        for first in range(0, self._store_count, slice_stores):
            await self.call(stores_from(first), b"")
            await asyncio.sleep(0)

    async def _refresh_loop(self) -> None:
        while True:
            # Not asyncio.wait_for: on Python 3.11 a cancel that lands as the event is set can be
            # swallowed by it, and then `end_streams` waits for this task for ever (found by the
            # simulation harness). asyncio.timeout propagates the cancel.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REFRESH_INTERVAL_S):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                self._refresh()
            except Exception:
                log.exception("refreshing watched orders and load levels failed")
            # Coalesce bursts: at most a few refreshes a second however busy the store is.
            await asyncio.sleep(0.05)

    def _refresh(self) -> None:
        now = self.clock()
        for order_id in self.orders.topics():
            request = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
            try:
                order = self.engine.get_order(request, now)
            except _native.EngineError:
                continue
            self.orders.publish(order_id, _order_view(order, None))
        for store_id in self.loads.topics():
            update = self.engine.load(store_id, now)
            level = _load_key(update)
            if self._published_level.get(store_id) != level:
                self._published_level[store_id] = level
                self.loads.publish(store_id, (level, update))


def _event_batch(events: Sequence[tuple[int, bytes]]) -> bytes:
    """A TicketEventBatch of serialized TicketEvents, without parsing them: each is field 1
    (tag 0x0a, length-delimited) of the batch."""
    parts = []
    for _, event in events:
        size = len(event)
        head = bytearray(b"\n")
        while size > 0x7F:
            head.append(size & 0x7F | 0x80)
            size >>= 7
        head.append(size)
        parts.append(bytes(head))
        parts.append(event)
    return b"".join(parts)


def _load_key(update: bytes) -> tuple[int, int]:
    message = store_pb2.LoadUpdate.FromString(update)
    return (message.level, message.since_ms)


def _order_view(order: bytes, version: int | None) -> OrderView:
    message = orders_pb2.Order.FromString(order)
    return OrderView(
        version=message.version if version is None else version,
        eta_ms=message.eta_ms,
        terminal=message.status in TERMINAL,
        order=order,
    )


@dataclass(slots=True)
class SnapshotPolicy:
    """Take a snapshot every `every` records into `data_dir` (see `pyengine.snapshots`)."""

    data_dir: Path
    every: int
    shop_digest: str
    last_lsn: int = 0
    writing: bool = False  # a snapshot is being encoded and written


def _restore(
    engine: _native.Engine,
    shop_json: str,
    event_log: EventStore,
    policy: SnapshotPolicy | None,
) -> tuple[_native.Engine, int]:
    """Restores the newest usable snapshot; returns the engine and the lsn to replay after."""
    if policy is None:
        return engine, 0
    snap = snapshots.read(policy.data_dir)
    if snap is None:
        return engine, 0
    started = time.perf_counter()
    problem = ""
    if snap.shop_digest != policy.shop_digest:
        problem = "the shop configuration changed"
    elif snap.lsn > event_log.last_lsn() or snap.lsn > event_log.feed_lsn():
        problem = f"lsn {snap.lsn} is ahead of the log or its ticket feed"
    else:
        record = next(iter(event_log.records(snap.lsn - 1)), None)
        if (
            record is None
            or record[0] != snap.lsn
            or snapshots.digest(record[1]) != snap.record_digest
        ):
            problem = f"the log's record {snap.lsn} is not the one the snapshot followed"
    if not problem:
        try:
            engine.restore(snap.state)
        except _native.EngineError as exc:
            problem = str(exc)
            engine = _native.Engine(shop_json)
        else:
            if engine.state_hash() != snap.state_hash:
                problem = "the restored state does not hash to the snapshot's"
                engine = _native.Engine(shop_json)
    if problem:
        log.warning("not using the snapshot (%s): replaying the whole log", problem)
        return engine, 0
    log.info("restored the snapshot at lsn %d in %.3f s", snap.lsn, time.perf_counter() - started)
    return engine, snap.lsn


def _replay(engine: _native.Engine, event_log: EventStore, after_lsn: int = 0) -> None:
    started = time.perf_counter()
    feed_lsn = event_log.feed_lsn()
    count = 0
    for lsn, record in event_log.records(after_lsn):
        outcome = engine.apply(record)
        if lsn > feed_lsn:
            ticket_events, logged_keys = outcome.ticket_events, outcome.logged_keys
            forgotten_before_ms = outcome.keys_forgotten_before_ms
            if ticket_events or logged_keys or forgotten_before_ms:
                event_log.catch_up_feed(lsn, ticket_events, logged_keys, forgotten_before_ms)
        count += 1
    if count:
        log.info(
            "replayed %d records in %.3f s (state %s)",
            count,
            time.perf_counter() - started,
            engine.state_hash()[:16],
        )


def lock_data_dir(data_dir: Path) -> IO[str]:
    """One engine process per data folder: two writers would fork the log."""
    lock = (data_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise DataDirInUseError(f"{data_dir} is in use by another pyengine process") from None
    return lock
