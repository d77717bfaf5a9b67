"""The event log in PostgreSQL (psycopg 3): the same log, projections and group commit as the SQLite
backend, for chains that run many engine processes against one database.

A *log* is the history of one engine process's stores: its id is the sorted store ids of its shop
file joined by "+" (e.g. "sh-001+sh-002"). Each store belongs to exactly one log (`store_owners`),
so two engines can never both take orders for a store. Each log has one lease row (`logs`): the
process that holds it is the only writer. The lease is taken with a new `epoch` (a fencing token),
renewed by a heartbeat, and released on a clean stop. When its owner dies, the lease expires after
`lease_ttl_s` (measured on the database's clock, so the engines' clocks do not matter) and a
standby process started for the same stores takes it over and replays the log.

Every commit is fenced: its transaction first updates the lease row `WHERE epoch = ours`, and
fails (fail-stop) when another process has taken the lease since. A paused or partitioned old owner
therefore cannot append a single record after a takeover, however late it wakes up. Commits run
with `synchronous_commit = on`: an answer is sent only after the WAL is flushed on the primary
(and on synchronous standbys, if the cluster has any).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from pyengine.eventlog import (
    Batch,
    CommitPolicy,
    EventStore,
    KeyEntry,
    LogFailedError,
    LoggedKey,
    StoreUnavailableError,
    TicketEvent,
)

log = logging.getLogger(__name__)

Conn = psycopg.Connection[tuple[Any, ...]]
Cursor = psycopg.Cursor[tuple[Any, ...]]

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
REPLAY_PAGE = 5000

DDL = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.logs (
    log_id TEXT PRIMARY KEY,
    owner TEXT,
    epoch BIGINT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ,
    feed_lsn BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS {schema}.store_owners (
    store_id TEXT PRIMARY KEY,
    log_id TEXT NOT NULL REFERENCES {schema}.logs (log_id)
);
CREATE TABLE IF NOT EXISTS {schema}.events (
    log_id TEXT NOT NULL REFERENCES {schema}.logs (log_id),
    lsn BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (log_id, lsn)
);
CREATE TABLE IF NOT EXISTS {schema}.ticket_feed (
    store_id TEXT NOT NULL,
    station TEXT NOT NULL,
    seq BIGINT NOT NULL,
    log_id TEXT NOT NULL,
    lsn BIGINT NOT NULL,
    event BYTEA NOT NULL,
    PRIMARY KEY (store_id, station, seq)
);
CREATE TABLE IF NOT EXISTS {schema}.idempotency_keys (
    log_id TEXT NOT NULL,
    channel INTEGER NOT NULL,
    channel_order_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    accepted_at_ms BIGINT NOT NULL,
    lsn BIGINT NOT NULL,
    PRIMARY KEY (log_id, channel, channel_order_id)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age
    ON {schema}.idempotency_keys (log_id, accepted_at_ms);
"""


class LeaseLostError(LogFailedError):
    """Another process took this log's lease over; this one must stop writing at once."""


def log_id_for(store_ids: Sequence[str]) -> str:
    return "+".join(sorted(store_ids))


def _connect(url: str) -> Conn:
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise StoreUnavailableError(f"cannot connect to PostgreSQL: {exc}".strip()) from None
    # Money and orders: a commit returns only once its WAL is flushed, whatever the server default.
    conn.execute("SET synchronous_commit = on")
    return conn


class PostgresEventLog(EventStore):
    def __init__(
        self,
        url: str,
        store_ids: Sequence[str],
        schema: str,
        policy: CommitPolicy | None,
        lease_ttl_s: float,
        owner: str,
        epoch: int,
        conn: Conn,
    ) -> None:
        super().__init__(policy)
        self.url = url
        self.schema = schema
        self.log_id = log_id_for(store_ids)
        self.owner = owner
        self.epoch = epoch
        self.lease_ttl_s = lease_ttl_s
        self._s = sql.Identifier(schema)
        self._conn = conn  # start-up reads, then the writer thread's
        self._reader = _connect(url)  # ticket feed reads on the event loop thread
        self._stop_heartbeat = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._released = False

    @classmethod
    def open(
        cls,
        url: str,
        store_ids: Sequence[str],
        schema: str = "pyengine",
        policy: CommitPolicy | None = None,
        lease_ttl_s: float = 10.0,
        wait_s: float | None = None,
    ) -> PostgresEventLog:
        """Creates the tables if needed, claims the stores for this log, and takes the log's lease,
        waiting (as a standby) while a live owner holds it: for ever when `wait_s` is None."""
        if not SCHEMA_NAME.match(schema):
            raise StoreUnavailableError(
                f"--pg-schema {schema!r}: use lower-case letters, digits and _ (at most 63)"
            )
        if not store_ids:
            raise StoreUnavailableError("the shop has no stores")
        conn = _connect(url)
        try:
            s = sql.Identifier(schema)
            log_id = log_id_for(store_ids)
            with conn.transaction():
                # Two engines starting at once must not race on CREATE ... IF NOT EXISTS.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (schema,))
                conn.execute(sql.SQL(DDL).format(schema=s))
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {}.logs (log_id) VALUES (%s) ON CONFLICT DO NOTHING"
                    ).format(s),
                    (log_id,),
                )
                for store_id in sorted(store_ids):
                    conn.execute(
                        sql.SQL(
                            "INSERT INTO {}.store_owners (store_id, log_id) VALUES (%s, %s)"
                            " ON CONFLICT DO NOTHING"
                        ).format(s),
                        (store_id, log_id),
                    )
                rows = conn.execute(
                    sql.SQL(
                        "SELECT store_id, log_id FROM {}.store_owners WHERE store_id = ANY(%s)"
                    ).format(s),
                    (list(store_ids),),
                ).fetchall()
                foreign = sorted(f"{st} (log {lg})" for st, lg in rows if lg != log_id)
                if foreign:
                    raise StoreUnavailableError(
                        f"stores already belong to another engine's log: {', '.join(foreign)}; "
                        "a store's history lives in one log, so run this shop's stores with the "
                        "same set of stores as before"
                    )
            owner = f"{socket.gethostname()}:{os.getpid()}:{time.time_ns()}"
            epoch = cls._take_lease(conn, s, log_id, owner, lease_ttl_s, wait_s)
        except BaseException:
            conn.close()
            raise
        log.info("owner of log %s in schema %s (epoch %d)", log_id, schema, epoch)
        return cls(url, store_ids, schema, policy, lease_ttl_s, owner, epoch, conn)

    @staticmethod
    def _take_lease(
        conn: Conn,
        s: sql.Identifier,
        log_id: str,
        owner: str,
        ttl_s: float,
        wait_s: float | None,
    ) -> int:
        deadline = None if wait_s is None else time.monotonic() + wait_s
        told = False
        while True:
            row = conn.execute(
                sql.SQL(
                    "UPDATE {}.logs SET owner = %s, epoch = epoch + 1,"
                    " expires_at = now() + make_interval(secs => %s)"
                    " WHERE log_id = %s AND (owner IS NULL OR expires_at < now())"
                    " RETURNING epoch"
                ).format(s),
                (owner, ttl_s, log_id),
            ).fetchone()
            if row is not None:
                return int(row[0])
            holder = conn.execute(
                sql.SQL(
                    "SELECT owner, GREATEST(EXTRACT(EPOCH FROM expires_at - now()), 0)"
                    " FROM {}.logs WHERE log_id = %s"
                ).format(s),
                (log_id,),
            ).fetchone()
            assert holder is not None
            left = float(holder[1])
            if deadline is not None and time.monotonic() >= deadline:
                raise StoreUnavailableError(
                    f"log {log_id} is owned by a live engine ({holder[0]}); its lease expires "
                    f"in {left:.1f} s unless renewed"
                )
            if not told:
                log.warning(
                    "standing by: log %s is owned by %s; taking over if its lease lapses",
                    log_id,
                    holder[0],
                )
                told = True
            # Poll the database at a fraction of the lease: a takeover follows a death within
            # about ttl * 1.25.
            pause = min(max(left, 0.05), ttl_s / 4)
            if deadline is not None:
                pause = min(pause, max(deadline - time.monotonic(), 0.0))
            time.sleep(pause)

    def describe(self) -> str:
        return f"PostgreSQL schema {self.schema}, log {self.log_id} (epoch {self.epoch})"

    # Start-up reads.

    def last_lsn(self) -> int:
        row = self._conn.execute(
            sql.SQL("SELECT COALESCE(MAX(lsn), 0) FROM {}.events WHERE log_id = %s").format(
                self._s
            ),
            (self.log_id,),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def last_at_ms(self) -> int:
        row = self._conn.execute(
            sql.SQL(
                "SELECT at_ms FROM {}.events WHERE log_id = %s ORDER BY lsn DESC LIMIT 1"
            ).format(self._s),
            (self.log_id,),
        ).fetchone()
        return int(row[0]) if row else 0

    def records(self, after_lsn: int = 0) -> Iterator[tuple[int, bytes]]:
        query = sql.SQL(
            "SELECT lsn, record FROM {}.events WHERE log_id = %s AND lsn > %s ORDER BY lsn LIMIT %s"
        ).format(self._s)
        last = after_lsn
        while True:
            rows = self._conn.execute(query, (self.log_id, last, REPLAY_PAGE)).fetchall()
            for lsn, record in rows:
                last = int(lsn)
                yield last, bytes(record)
            if len(rows) < REPLAY_PAGE:
                return

    def feed_lsn(self) -> int:
        row = self._conn.execute(
            sql.SQL("SELECT feed_lsn FROM {}.logs WHERE log_id = %s").format(self._s),
            (self.log_id,),
        ).fetchone()
        return int(row[0]) if row else 0

    def catch_up_feed(
        self,
        lsn: int,
        ticket_events: Sequence[TicketEvent],
        logged_keys: Sequence[LoggedKey] = (),
        keys_forgotten_before_ms: int = 0,
    ) -> None:
        with self._fenced(lsn) as cur:
            self._write_feed(cur, lsn, ticket_events)
            self._write_keys(cur, logged_keys, keys_forgotten_before_ms)

    # Ticket feed reads, on the event loop thread.

    def ticket_feed(
        self, store_id: str, station: str, after_seq: int, limit: int = 1000
    ) -> list[tuple[int, bytes]]:
        rows = self._reader.execute(
            sql.SQL(
                "SELECT seq, event FROM {}.ticket_feed WHERE store_id = %s AND station = %s"
                " AND seq > %s ORDER BY seq LIMIT %s"
            ).format(self._s),
            (store_id, station, after_seq, limit),
        ).fetchall()
        return [(int(seq), bytes(event)) for seq, event in rows]

    def ticket_feed_last_seq(self, store_id: str, station: str) -> int:
        row = self._reader.execute(
            sql.SQL(
                "SELECT COALESCE(MAX(seq), 0) FROM {}.ticket_feed"
                " WHERE store_id = %s AND station = %s"
            ).format(self._s),
            (store_id, station),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def committed_record(self, lsn: int) -> bytes | None:
        row = self._reader.execute(
            sql.SQL("SELECT record FROM {}.events WHERE log_id = %s AND lsn = %s").format(self._s),
            (self.log_id, lsn),
        ).fetchone()
        return bytes(row[0]) if row else None

    def logged_key(self, channel: int, channel_order_id: str) -> KeyEntry | None:
        row = self._reader.execute(
            sql.SQL(
                "SELECT order_id, fingerprint, accepted_at_ms, lsn FROM {}.idempotency_keys"
                " WHERE log_id = %s AND channel = %s AND channel_order_id = %s"
            ).format(self._s),
            (self.log_id, channel, channel_order_id),
        ).fetchone()
        return (str(row[0]), str(row[1]), int(row[2]), int(row[3])) if row else None

    async def find_logged_key(self, channel: int, channel_order_id: str) -> KeyEntry | None:
        # A round trip (about 0.15 ms on loopback) would hold the event loop for every new order.
        return await asyncio.to_thread(self.logged_key, channel, channel_order_id)

    # Writing.

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        super().start(loop)
        self._heartbeat = threading.Thread(
            target=self._heartbeat_loop, name="pg-lease-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _commit(self, batches: list[Batch]) -> None:
        with self._fenced(batches[-1].last_lsn) as cur:
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {}.events (log_id, lsn, kind, at_ms, record)"
                    " VALUES (%s, %s, %s, %s, %s)"
                ).format(self._s),
                [
                    (self.log_id, lsn, kind, at_ms, record)
                    for batch in batches
                    for lsn, kind, at_ms, record in batch.events
                ],
            )
            for batch in batches:
                self._write_feed(cur, batch.last_lsn, batch.ticket_events)
                self._write_keys(cur, batch.logged_keys, batch.keys_forgotten_before_ms)

    @contextlib.contextmanager
    def _fenced(self, feed_lsn: int) -> Iterator[Cursor]:
        """A transaction that first proves this process still owns the log (and renews the lease
        and advances the feed position), so nothing is written after a takeover."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "UPDATE {}.logs SET expires_at = now() + make_interval(secs => %s),"
                    " feed_lsn = %s WHERE log_id = %s AND epoch = %s AND owner = %s"
                ).format(self._s),
                (self.lease_ttl_s, feed_lsn, self.log_id, self.epoch, self.owner),
            )
            if cur.rowcount != 1:
                raise LeaseLostError(
                    f"another engine took over log {self.log_id} (this one held epoch "
                    f"{self.epoch}); stopping without writing"
                )
            yield cur

    def _write_feed(
        self,
        cur: Cursor,
        lsn: int,
        ticket_events: Sequence[TicketEvent],
    ) -> None:
        if ticket_events:
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {}.ticket_feed (store_id, station, seq, log_id, lsn, event)"
                    " VALUES (%s, %s, %s, %s, %s, %s)"
                ).format(self._s),
                [(st, sn, seq, self.log_id, lsn, ev) for st, sn, seq, ev in ticket_events],
            )

    def _write_keys(
        self, cur: Cursor, logged_keys: Sequence[LoggedKey], forgotten_before_ms: int
    ) -> None:
        if forgotten_before_ms:
            cur.execute(
                sql.SQL(
                    "DELETE FROM {}.idempotency_keys WHERE log_id = %s AND accepted_at_ms < %s"
                ).format(self._s),
                (self.log_id, forgotten_before_ms),
            )
        if logged_keys:
            # A key reused after its window names the newest submission (the higher lsn); a
            # replay that writes a row again changes nothing.
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {}.idempotency_keys AS k (log_id, channel, channel_order_id,"
                    " order_id, fingerprint,"
                    " accepted_at_ms, lsn) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (log_id, channel, channel_order_id) DO UPDATE SET"
                    " order_id = excluded.order_id, fingerprint = excluded.fingerprint,"
                    " accepted_at_ms = excluded.accepted_at_ms, lsn = excluded.lsn"
                    " WHERE excluded.lsn > k.lsn"
                ).format(self._s),
                [(self.log_id, *key) for key in logged_keys],
            )

    def _heartbeat_loop(self) -> None:
        """Renews the lease every third of its ttl on its own connection; stops the process if the
        lease was taken over, or if it could not be renewed before it lapsed."""
        renewed_at = time.monotonic()
        conn: Conn | None = None
        while not self._stop_heartbeat.wait(self.lease_ttl_s / 3):
            try:
                if conn is None:
                    conn = _connect(self.url)
                cur = conn.execute(
                    sql.SQL(
                        "UPDATE {}.logs SET expires_at = now() + make_interval(secs => %s)"
                        " WHERE log_id = %s AND epoch = %s AND owner = %s"
                    ).format(self._s),
                    (self.lease_ttl_s, self.log_id, self.epoch, self.owner),
                )
                if cur.rowcount != 1:
                    self._lose(LeaseLostError(f"another engine took over log {self.log_id}"))
                    break
                renewed_at = time.monotonic()
            except (psycopg.Error, StoreUnavailableError) as exc:
                log.warning("lease heartbeat failed: %s", exc)
                if conn is not None:
                    conn.close()
                    conn = None
                if time.monotonic() - renewed_at > self.lease_ttl_s:
                    self._lose(LeaseLostError(f"could not renew the lease of log {self.log_id}"))
                    break
        if conn is not None:
            conn.close()

    def _lose(self, exc: LeaseLostError) -> None:
        log.critical("%s", exc)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._fail, exc)

    def _close_backend(self) -> None:
        self._stop_heartbeat.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        if not self._released:
            # Hands the stores over at once instead of after the lease's ttl. Also after a
            # fail-stop: the log holds exactly the committed prefix. Guarded by the epoch, so a
            # process that lost the lease cannot release its successor's.
            with contextlib.suppress(psycopg.Error):
                self._conn.execute(
                    sql.SQL(
                        "UPDATE {}.logs SET owner = NULL, expires_at = now()"
                        " WHERE log_id = %s AND epoch = %s AND owner = %s"
                    ).format(self._s),
                    (self.log_id, self.epoch, self.owner),
                )
            self._released = True
        self._reader.close()
        self._conn.close()
