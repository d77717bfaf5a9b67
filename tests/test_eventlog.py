"""The event log on a real SQLite file: group commit, order of publication, fail-stop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from pyengine.eventlog import Batch, EventLog, LogFailedError
from pyengine.v1 import common_pb2
from tests.support import catch_up_writes_keys, exercise_key_table


def record(lsn: int) -> tuple[int, str, int, bytes]:
    return (lsn, "test", 1_000 + lsn, f"record {lsn}".encode())


def test_concurrent_appends_share_commits_and_publish_in_order(tmp_path: Path) -> None:
    published: list[int] = []

    async def scenario() -> int:
        log = EventLog(tmp_path / "events.sqlite3")
        log.start(asyncio.get_running_loop())
        commits = 0
        original = log._commit

        def counting(batches: list[Batch]) -> None:
            nonlocal commits
            commits += 1
            original(batches)

        log._commit = counting  # type: ignore[method-assign]
        for lsn in range(1, 501):
            feed = [("s1", "tea_bar", lsn, b"ticket")] if lsn % 2 else []
            log.append(Batch([record(lsn)], feed, lambda lsn=lsn: published.append(lsn)))
        await asyncio.gather(*(log.durable(lsn) for lsn in range(1, 501)))
        assert log.durable_lsn == 500
        await log.close()
        return commits

    commits = asyncio.run(scenario())
    assert published == list(range(1, 501))
    assert commits < 500, "appends queued together must share a transaction"
    conn = sqlite3.connect(tmp_path / "events.sqlite3")
    assert [r[0] for r in conn.execute("SELECT lsn FROM events ORDER BY lsn")] == list(
        range(1, 501)
    )
    assert conn.execute("SELECT COUNT(*) FROM ticket_feed").fetchone()[0] == 250
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopen_sees_committed_records(tmp_path: Path) -> None:
    async def write() -> None:
        log = EventLog(tmp_path / "events.sqlite3")
        log.start(asyncio.get_running_loop())
        for lsn in (1, 2, 3):
            log.append(Batch([record(lsn)], []))
        await log.durable(3)
        await log.close()

    asyncio.run(write())
    log = EventLog(tmp_path / "events.sqlite3")
    assert log.last_lsn() == 3
    assert [lsn for lsn, _ in log.records(after_lsn=1)] == [2, 3]
    assert log.committed_record(2) == b"record 2"
    assert log.committed_record(4) is None
    assert log.feed_lsn() == 3
    asyncio.run(log.close())


def test_a_failed_commit_fails_every_waiter_and_refuses_new_work(tmp_path: Path) -> None:
    async def scenario() -> None:
        log = EventLog(tmp_path / "events.sqlite3")
        log.start(asyncio.get_running_loop())
        log.append(Batch([record(1)], []))
        await log.durable(1)
        # A duplicate lsn violates the primary key: the transaction must fail as a whole.
        log.append(Batch([record(2), record(1)], []))
        with pytest.raises(LogFailedError):
            await log.durable(2)
        with pytest.raises(LogFailedError):
            log.append(Batch([record(3)], []))
        await log.close()

    asyncio.run(scenario())
    conn = sqlite3.connect(tmp_path / "events.sqlite3")
    assert [r[0] for r in conn.execute("SELECT lsn FROM events")] == [1]


def test_clock_never_runs_backwards_and_scales() -> None:
    from pyengine.runtime import Clock

    wall = [10_000]
    clock = Clock(floor=50_000, now_ms=lambda: wall[0])
    assert clock() == 50_000, "a restart must not go back before the log's last record"
    wall[0] = 60_000
    assert clock() == 60_000
    wall[0] = 55_000  # the wall clock stepped back (NTP)
    assert clock() == 60_000
    fast = Clock(scale=100.0, now_ms=lambda: wall[0])
    wall[0] += 1_000
    assert fast() == 55_000 + 100_000


def test_the_key_table_keeps_what_the_core_let_go_of(tmp_path: Path) -> None:
    async def scenario() -> None:
        log = EventLog(tmp_path / "events.sqlite3")
        log.start(asyncio.get_running_loop())
        await exercise_key_table(log)

    asyncio.run(scenario())
    log = EventLog(tmp_path / "events.sqlite3")
    try:
        assert log.logged_key(common_pb2.CHANNEL_COUNTER, "k-1"), "the keys survive a reopen"
        catch_up_writes_keys(log)
    finally:
        log.abandon()
