"""The append-only event log in SQLite: the source of truth the core's state is replayed from.

One writer thread owns the write connection. Callers on the event loop enqueue the records of a
call (already applied to the in-memory core) and await `durable(lsn)`; the writer drains whatever
has queued, writes it in one transaction with the projections (the per-station ticket feed), commits
(WAL, synchronous=FULL by default: the commit survives a power cut), and then, back on the event
loop, publishes the batch and wakes the waiters in log order. Many concurrent requests therefore
share one fsync (group commit), and nothing is published or acknowledged before it is durable.

If a commit fails the log stops accepting work and every waiter gets the error: the in-memory core
is then ahead of the log, so the process must stop and recover by replay (fail-stop).

`EventStore` is that machinery, independent of the database; `EventLog` is its SQLite backend and
`pyengine.eventlog_pg.PostgresEventLog` its PostgreSQL one. Two knobs shape group commit:
`commit_max_events` bounds one transaction (1 = one fsync per call, the baseline the benchmark
compares against), and `commit_interval_ms` lets the writer wait that long after the first queued
call for more to join it (0, the default, never waits: whatever queued during the previous fsync
forms the next transaction, which already batches under load without adding latency at rest).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Durability = Literal["full", "normal"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    lsn INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ticket_feed (
    store_id TEXT NOT NULL,
    station TEXT NOT NULL,
    seq INTEGER NOT NULL,
    lsn INTEGER NOT NULL,
    event BLOB NOT NULL,
    PRIMARY KEY (store_id, station, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    channel INTEGER NOT NULL,
    channel_order_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    accepted_at_ms INTEGER NOT NULL,
    lsn INTEGER NOT NULL,
    PRIMARY KEY (channel, channel_order_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (accepted_at_ms);
"""

# Last lsn whose effects are in the projections (ticket_feed, idempotency_keys); lets start-up
# rebuild a lagging one.
FEED_LSN_KEY = "ticket_feed_lsn"

Event = tuple[int, str, int, bytes]  # (lsn, kind, at_ms, msgpack record)
TicketEvent = tuple[str, str, int, bytes]  # (store_id, station, seq, serialized TicketEvent)
# An idempotency key that left the core's memory with its evicted order (`Outcome.logged_keys`):
# (channel, channel_order_id, order_id, fingerprint, accepted_at_ms, lsn).
LoggedKey = tuple[int, str, str, str, int, int]
# What the store answers for a key: (order_id, fingerprint, accepted_at_ms, lsn).
KeyEntry = tuple[str, str, int, int]


DEFAULT_COMMIT_MAX_EVENTS = 4096


class StoreUnavailableError(Exception):
    """The event store cannot be opened (unreachable, or its stores are owned by another live
    process); the message says which."""


class LogFailedError(RuntimeError):
    """The log could not commit; the process must restart and recover from the log."""


@dataclass(slots=True)
class Batch:
    """The records of one engine call, with what to publish once they are durable."""

    events: Sequence[Event]
    ticket_events: Sequence[TicketEvent]
    on_durable: Callable[[], None] | None = None
    logged_keys: Sequence[LoggedKey] = ()
    keys_forgotten_before_ms: int = 0
    last_lsn: int = field(init=False)

    def __post_init__(self) -> None:
        self.last_lsn = self.events[-1][0]


def connect(path: Path, durability: Durability = "full") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.executescript(SCHEMA)
    return conn


@dataclass(frozen=True, slots=True)
class CommitPolicy:
    """How the writer forms transactions; see the module docstring."""

    max_events: int = DEFAULT_COMMIT_MAX_EVENTS
    interval_ms: float = 0.0

    def __post_init__(self) -> None:
        if self.max_events < 1:
            raise ValueError("commit max events must be at least 1")
        if not 0 <= self.interval_ms <= 1000:
            raise ValueError("commit interval must be between 0 and 1000 ms")


class EventStore:
    """The single writer, group commit, durability waiters and fail-stop; a backend provides the
    reads and `_commit` (one transaction holding the batches' events and ticket feed rows)."""

    def __init__(self, policy: CommitPolicy | None = None) -> None:
        self.policy = policy or CommitPolicy()
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._durable_lsn = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._tiebreak = itertools.count()
        self._failure: BaseException | None = None
        # Told once when a commit fails, so the owner can stop the process (fail-stop).
        self.on_failure: Callable[[BaseException], None] | None = None

    # What a backend provides. Start-up reads run on the caller's thread before `start`; the
    # ticket feed reads on the event loop thread; `_commit` on the writer thread.

    def describe(self) -> str:
        """Where the log lives, for operators (never a password)."""
        raise NotImplementedError

    def last_lsn(self) -> int:
        raise NotImplementedError

    def last_at_ms(self) -> int:
        raise NotImplementedError

    def records(self, after_lsn: int = 0) -> Iterator[tuple[int, bytes]]:
        """Every record after `after_lsn`, in lsn order."""
        raise NotImplementedError

    def feed_lsn(self) -> int:
        """Last lsn whose ticket events are in the ticket feed projection."""
        raise NotImplementedError

    def catch_up_feed(
        self,
        lsn: int,
        ticket_events: Sequence[TicketEvent],
        logged_keys: Sequence[LoggedKey] = (),
        keys_forgotten_before_ms: int = 0,
    ) -> None:
        """Writes the effects of a replayed record the projections had not seen yet."""
        raise NotImplementedError

    def logged_key(self, channel: int, channel_order_id: str) -> KeyEntry | None:
        """The committed idempotency key the core let go of (see `Outcome.key_lookup`), read
        without the writer; None if the store has none."""
        raise NotImplementedError

    async def find_logged_key(self, channel: int, channel_order_id: str) -> KeyEntry | None:
        """`logged_key` from the event loop: a local file's primary-key look-up (a few
        microseconds) runs right here; a backend behind a network round trip overrides this so
        that the loop serves other calls meanwhile."""
        return self.logged_key(channel, channel_order_id)

    def ticket_feed(
        self, store_id: str, station: str, after_seq: int, limit: int = 1000
    ) -> list[tuple[int, bytes]]:
        """Committed ticket events of a station with seq > after_seq, oldest first."""
        raise NotImplementedError

    def ticket_feed_last_seq(self, store_id: str, station: str) -> int:
        raise NotImplementedError

    def committed_record(self, lsn: int) -> bytes | None:
        """The committed record at `lsn` (None if there is none), read without the writer: how a
        duplicate submission of an order no longer in memory gets its first answer back."""
        raise NotImplementedError

    def _commit(self, batches: list[Batch]) -> None:
        raise NotImplementedError

    def _close_backend(self) -> None:
        raise NotImplementedError

    # Running, on the event loop thread.

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._durable_lsn = self.last_lsn()
        self._loop = loop
        self._thread = threading.Thread(target=self._write_loop, name="eventlog-writer")
        self._thread.start()

    @property
    def durable_lsn(self) -> int:
        return self._durable_lsn

    def append(self, batch: Batch) -> None:
        """Queues one call's records; they must follow the previous batch's lsn without a gap."""
        if self._failure is not None:
            raise LogFailedError("the event log has failed; restart to recover") from self._failure
        self._queue.put(batch)

    async def durable(self, lsn: int) -> None:
        """Returns once every record up to `lsn` is committed."""
        if self._failure is not None:
            raise LogFailedError("the event log has failed; restart to recover") from self._failure
        if lsn <= self._durable_lsn:
            return
        assert self._loop is not None, "EventLog.start was not called"
        future: asyncio.Future[None] = self._loop.create_future()
        heapq.heappush(self._waiters, (lsn, next(self._tiebreak), future))
        await future

    def abandon(self) -> None:
        """Closes a log that was never started (start-up failed); nothing is written."""
        self._close_backend()

    async def close(self) -> None:
        """Commits what is queued, stops the writer and closes the connections."""
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        self._close_backend()

    # The writer thread.

    def _next_batches(self) -> tuple[list[Batch], bool]:
        """Blocks for the first queued call, then takes what joins it within the policy's bounds.
        Returns the batches and whether a stop was requested (after them)."""
        first = self._queue.get()
        if first is None:
            return [], True
        batches = [first]
        events = len(first.events)
        deadline = time.monotonic() + self.policy.interval_ms / 1000
        while events < self.policy.max_events:
            try:
                remaining = deadline - time.monotonic()
                more = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if more is None:
                return batches, True
            batches.append(more)
            events += len(more.events)
        return batches, False

    def _write_loop(self) -> None:
        assert self._loop is not None
        stopping = False
        while not stopping:
            batches, stopping = self._next_batches()
            if not batches:
                break
            try:
                self._commit(batches)
            except BaseException as exc:
                log.critical("event log commit failed; stopping the log", exc_info=True)
                self._loop.call_soon_threadsafe(self._fail, exc)
                return
            self._loop.call_soon_threadsafe(self._committed, batches)

    # Back on the event loop.

    def _committed(self, batches: list[Batch]) -> None:
        for batch in batches:
            if batch.on_durable is not None:
                try:
                    batch.on_durable()
                except Exception:
                    log.exception("publishing a durable batch failed")
        self._durable_lsn = batches[-1].last_lsn
        while self._waiters and self._waiters[0][0] <= self._durable_lsn:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        self._failure = exc
        if self.on_failure is not None:
            self.on_failure(exc)
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_exception(LogFailedError("the event log failed to commit"))


class EventLog(EventStore):
    """The SQLite backend: one file in WAL mode, one write connection owned by the writer."""

    def __init__(
        self,
        path: Path,
        durability: Durability = "full",
        policy: CommitPolicy | None = None,
    ) -> None:
        super().__init__(policy)
        self.path = path
        self.durability = durability
        self._conn = connect(path, durability)
        self._reader = sqlite3.connect(path, check_same_thread=False)
        self._reader.execute("PRAGMA query_only=ON")

    def describe(self) -> str:
        return f"{self.path} (SQLite, synchronous={self.durability.upper()})"

    # Start-up, on the caller's thread, before `start`.

    def last_lsn(self) -> int:
        row = self._conn.execute("SELECT COALESCE(MAX(lsn), 0) FROM events").fetchone()
        return int(row[0])

    def last_at_ms(self) -> int:
        row = self._conn.execute("SELECT at_ms FROM events ORDER BY lsn DESC LIMIT 1").fetchone()
        return int(row[0]) if row else 0

    def records(self, after_lsn: int = 0) -> Iterator[tuple[int, bytes]]:
        """Every record after `after_lsn`, in lsn order."""
        cursor = self._conn.execute(
            "SELECT lsn, record FROM events WHERE lsn > ? ORDER BY lsn", (after_lsn,)
        )
        for lsn, record in cursor:
            yield int(lsn), bytes(record)

    def feed_lsn(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (FEED_LSN_KEY,)).fetchone()
        return int(row[0]) if row else 0

    def catch_up_feed(
        self,
        lsn: int,
        ticket_events: Sequence[TicketEvent],
        logged_keys: Sequence[LoggedKey] = (),
        keys_forgotten_before_ms: int = 0,
    ) -> None:
        """Writes the effects of a replayed record the projections had not seen yet."""
        with self._transaction() as conn:
            self._write_feed(conn, lsn, ticket_events)
            self._write_keys(conn, logged_keys, keys_forgotten_before_ms)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (FEED_LSN_KEY, lsn)
            )

    def ticket_feed(
        self, store_id: str, station: str, after_seq: int, limit: int = 1000
    ) -> list[tuple[int, bytes]]:
        """Committed ticket events of a station with seq > after_seq, oldest first."""
        rows = self._reader.execute(
            "SELECT seq, event FROM ticket_feed WHERE store_id = ? AND station = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (store_id, station, after_seq, limit),
        ).fetchall()
        return [(int(seq), bytes(event)) for seq, event in rows]

    def ticket_feed_last_seq(self, store_id: str, station: str) -> int:
        row = self._reader.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM ticket_feed WHERE store_id = ? AND station = ?",
            (store_id, station),
        ).fetchone()
        return int(row[0])

    def committed_record(self, lsn: int) -> bytes | None:
        row = self._reader.execute("SELECT record FROM events WHERE lsn = ?", (lsn,)).fetchone()
        return bytes(row[0]) if row else None

    def logged_key(self, channel: int, channel_order_id: str) -> KeyEntry | None:
        row = self._reader.execute(
            "SELECT order_id, fingerprint, accepted_at_ms, lsn FROM idempotency_keys"
            " WHERE channel = ? AND channel_order_id = ?",
            (channel, channel_order_id),
        ).fetchone()
        return (str(row[0]), str(row[1]), int(row[2]), int(row[3])) if row else None

    def _commit(self, batches: list[Batch]) -> None:
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO events(lsn, kind, at_ms, record) VALUES (?, ?, ?, ?)",
                [event for batch in batches for event in batch.events],
            )
            for batch in batches:
                self._write_feed(conn, batch.last_lsn, batch.ticket_events)
                self._write_keys(conn, batch.logged_keys, batch.keys_forgotten_before_ms)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                (FEED_LSN_KEY, batches[-1].last_lsn),
            )

    @staticmethod
    def _write_feed(
        conn: sqlite3.Connection, lsn: int, ticket_events: Sequence[TicketEvent]
    ) -> None:
        if ticket_events:
            conn.executemany(
                "INSERT INTO ticket_feed(store_id, station, seq, lsn, event)"
                " VALUES (?, ?, ?, ?, ?)",
                [(store, station, seq, lsn, event) for store, station, seq, event in ticket_events],
            )

    @staticmethod
    def _write_keys(
        conn: sqlite3.Connection, logged_keys: Sequence[LoggedKey], forgotten_before_ms: int
    ) -> None:
        if forgotten_before_ms:
            conn.execute(
                "DELETE FROM idempotency_keys WHERE accepted_at_ms < ?", (forgotten_before_ms,)
            )
        if logged_keys:
            # A key reused after its window names the newest submission (the higher lsn); a
            # replay that writes a row again changes nothing.
            conn.executemany(
                "INSERT INTO idempotency_keys"
                "(channel, channel_order_id, order_id, fingerprint, accepted_at_ms, lsn)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel, channel_order_id) DO UPDATE SET"
                " order_id = excluded.order_id, fingerprint = excluded.fingerprint,"
                " accepted_at_ms = excluded.accepted_at_ms, lsn = excluded.lsn"
                " WHERE excluded.lsn > idempotency_keys.lsn",
                logged_keys,
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _close_backend(self) -> None:
        self._reader.close()
        self._conn.close()
