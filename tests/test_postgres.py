"""The PostgreSQL event log, on the real PostgreSQL of this machine.

PYENGINE_TEST_PG names the database (default: postgresql://postgres@127.0.0.1:5432/test, trust
auth). When it cannot be reached every test here is skipped, saying why. Each test works in a
schema of its own, dropped afterwards, so runs never collide.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from pyengine import _native, shop
from pyengine.eventlog import Batch, LogFailedError, StoreUnavailableError
from pyengine.serverproc import ServerProcess
from pyengine.service.server import STOPPED_AT_PREFIX
from pyengine.v1 import common_pb2, orders_pb2
from tests.support import Client, draft, line, ticket_stream

psycopg = pytest.importorskip("psycopg", reason="psycopg (a dependency) is not installed")

from pyengine.eventlog_pg import LeaseLostError, PostgresEventLog  # noqa: E402
from pyengine.runtime import Clock, Runtime  # noqa: E402
from pyengine.storage import StorageConfig  # noqa: E402
from tests.support import catch_up_writes_keys, exercise_key_table  # noqa: E402
from tests.test_retention import (  # noqa: E402
    RETENTION_S,
    SimClock,
    make,
    refuses_another_draft_under,
    tick,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("PYENGINE_TEST_PG", DEFAULT_URL)
STORES = ["sh-001", "sh-002"]


def _reachable() -> str:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_URL} ({str(exc).strip()}); set PYENGINE_TEST_PG"
    return ""


UNREACHABLE = _reachable()
pytestmark = pytest.mark.skipif(bool(UNREACHABLE), reason=UNREACHABLE)


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"pyengine_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def query(sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []


def record(lsn: int) -> tuple[int, str, int, bytes]:
    return (lsn, "test", 1_000 + lsn, f"record {lsn}".encode())


# The log itself.


def test_group_commit_publishes_in_order_and_survives_reopen(schema: str) -> None:
    published: list[int] = []

    async def scenario() -> None:
        log = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
        log.start(asyncio.get_running_loop())
        commits = 0
        original = log._commit

        def counting(batches: list[Batch]) -> None:
            nonlocal commits
            commits += 1
            original(batches)

        log._commit = counting  # type: ignore[method-assign]
        for lsn in range(1, 301):
            feed = [("sh-001", "tea_bar", (lsn + 1) // 2, b"t")] if lsn % 2 else []
            log.append(Batch([record(lsn)], feed, lambda lsn=lsn: published.append(lsn)))
        await asyncio.gather(*(log.durable(lsn) for lsn in range(1, 301)))
        assert commits < 300, "appends queued together must share a transaction"
        setting = log._conn.execute("SHOW synchronous_commit").fetchone()
        assert setting is not None and setting[0] == "on"
        await log.close()

    asyncio.run(scenario())
    assert published == list(range(1, 301))
    reopened = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
    try:
        assert reopened.last_lsn() == 300
        assert reopened.last_at_ms() == 1_300
        assert [lsn for lsn, _ in reopened.records(after_lsn=295)] == [296, 297, 298, 299, 300]
        assert reopened.feed_lsn() == 300
        assert [seq for seq, _ in reopened.ticket_feed("sh-001", "tea_bar", 148)] == [149, 150]
        assert reopened.ticket_feed_last_seq("sh-001", "tea_bar") == 150
        assert reopened.committed_record(123) == b"record 123"
        assert reopened.committed_record(301) is None
        assert reopened.epoch == 2, "a clean close hands the lease on; reopening takes a new epoch"
    finally:
        reopened.abandon()


def test_a_live_owner_keeps_its_stores(schema: str) -> None:
    owner = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
    try:
        with pytest.raises(StoreUnavailableError, match="owned by a live engine"):
            PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
        # A store's history lives in one log: another set of stores cannot claim it.
        with pytest.raises(StoreUnavailableError, match=r"sh-002 \(log sh-001\+sh-002\)"):
            PostgresEventLog.open(PG_URL, ["sh-002", "sh-003"], schema=schema, wait_s=0)
        # Disjoint stores are another log, owned independently.
        other = PostgresEventLog.open(PG_URL, ["sh-009"], schema=schema, wait_s=0)
        other.abandon()
    finally:
        owner.abandon()
    owners = query(f"SELECT store_id, log_id FROM {schema}.store_owners ORDER BY store_id")
    assert owners == [
        ("sh-001", "sh-001+sh-002"),
        ("sh-002", "sh-001+sh-002"),
        ("sh-009", "sh-009"),
    ]


def test_after_a_takeover_the_old_owner_cannot_write(schema: str) -> None:
    async def scenario() -> None:
        old = PostgresEventLog.open(PG_URL, STORES, schema=schema, lease_ttl_s=600, wait_s=0)
        old.start(asyncio.get_running_loop())
        old.append(Batch([record(1)], []))
        await old.durable(1)
        # The owner stops heartbeating (paused, partitioned): its lease lapses, as the database
        # sees it. (Expired here by hand rather than by waiting out the ttl.)
        query(f"UPDATE {schema}.logs SET expires_at = now() - interval '1 second'")
        new = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
        assert new.epoch == old.epoch + 1
        old.append(Batch([record(2)], [("sh-001", "tea_bar", 1, b"t")]))
        with pytest.raises(LogFailedError):
            await old.durable(2)
        assert isinstance(old._failure, LeaseLostError)
        await old.close()
        # The new owner still holds the lease: the old one's close did not release it.
        assert query(f"SELECT epoch FROM {schema}.logs") == [(new.epoch,)]
        assert [lsn for lsn, _ in new.records()] == [1]
        assert new.ticket_feed("sh-001", "tea_bar", 0) == []
        new.abandon()

    asyncio.run(scenario())


def test_bad_schema_name_is_refused(schema: str) -> None:
    with pytest.raises(StoreUnavailableError, match="--pg-schema"):
        PostgresEventLog.open(PG_URL, STORES, schema="Robert'); DROP TABLE x;--", wait_s=0)


# Real server processes against the database.


def pg_server(
    data_dir: Path, schema: str, *extra: str, shop_path: Path | None = None
) -> ServerProcess:
    args = ["--store", PG_URL, "--pg-schema", schema, "--lease-ttl", "1", *extra]
    return ServerProcess(data_dir, shop=shop_path, extra_args=args)


def clean_replay_hash(schema: str, log_id: str) -> tuple[int, str]:
    engine = _native.Engine(shop.load_json(None))
    for (raw,) in query(
        f"SELECT record FROM {schema}.events WHERE log_id = %s ORDER BY lsn", log_id
    ):
        engine.apply(bytes(raw))  # type: ignore[arg-type]
    return engine.last_lsn, engine.state_hash()


def test_a_standby_takes_over_when_the_owner_is_killed(tmp_path: Path, schema: str) -> None:
    first = pg_server(tmp_path / "a", schema)
    first.start()
    client = Client.connect(first.target)
    drafts = [draft(line("classic_milk_tea", 1 + i % 2)) for i in range(20)]
    acknowledged = [client.submit(d) for d in drafts]
    tea = ticket_stream(client, "tea_bar").take(20)
    client.close()

    # The standby starts while the owner is alive: it waits, and serves once the owner is gone.
    standby = pg_server(tmp_path / "b", schema)
    ready: list[BaseException | str] = []
    starting = threading.Thread(target=lambda: ready.append(standby.start()), daemon=True)
    starting.start()
    first.kill()
    starting.join(60)
    assert ready and isinstance(ready[0], str), "".join(standby.output)
    assert any("standing by" in line for line in standby.output)
    try:
        client = Client.connect(standby.target)
        for answer in acknowledged:
            order = client.get(answer.order_id)
            assert order.status == common_pb2.ORDER_STATUS_ACCEPTED
            assert order.quote.total_minor == answer.quote.total_minor
        resumed = ticket_stream(client, "tea_bar")
        assert [e.SerializeToString() for e in resumed.take(20)] == [
            e.SerializeToString() for e in tea
        ]
        client.submit(draft(line("lemon_black_tea")))
        assert resumed.next().seq == tea[-1].seq + 1
        resumed.cancel()
        # A retry of an order acknowledged by the dead owner is still a replay.
        assert client.submit(drafts[0]) == acknowledged[0]
        client.close()
    finally:
        assert standby.stop() == 0
    stopped = re.findall(
        re.escape(STOPPED_AT_PREFIX) + r"(\d+) state ([0-9a-f]+)", "".join(standby.output)
    )
    assert stopped, "the server did not log its final state"
    assert clean_replay_hash(schema, "sh-001+sh-002") == (int(stopped[-1][0]), stopped[-1][1])


def test_a_paused_owner_that_lost_its_lease_stops_instead_of_writing(
    tmp_path: Path, schema: str
) -> None:
    first = pg_server(tmp_path / "a", schema)
    first.start()
    client = Client.connect(first.target)
    kept = client.submit(draft(line("classic_milk_tea")))
    assert first.process is not None
    first.process.send_signal(signal.SIGSTOP)  # paused: no heartbeat, no commit
    second = pg_server(tmp_path / "b", schema)
    try:
        second.start()  # takes over once the paused owner's lease lapses
        other = Client.connect(second.target)
        assert other.get(kept.order_id).status == common_pb2.ORDER_STATUS_ACCEPTED
        taken = other.submit(draft(line("lemon_black_tea")))
        first.process.send_signal(signal.SIGCONT)
        # Whatever the old owner still tries to write is refused by the fence, and it stops.
        with pytest.raises(grpc.RpcError) as refused:
            client.submit(draft(line("mango_smoothie")))
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert first.wait(30) == 1
        assert any("took over" in line for line in first.output)
        client.close()
        assert other.get(taken.order_id).status == common_pb2.ORDER_STATUS_ACCEPTED
        submitted = query(f"SELECT count(*) FROM {schema}.events WHERE kind = 'order_submitted'")
        assert submitted == [(2,)]
        other.close()
    finally:
        if first.process is not None:
            first.process.send_signal(signal.SIGCONT)
            first.kill()
        second.stop()


def test_engines_with_disjoint_stores_share_one_database(tmp_path: Path, schema: str) -> None:
    text = shop.sample_shop_path().read_text("utf-8")
    block = '[[stores]]\nid = "sh-002"\nname = "茶颜示范店 · 静安寺"\n'
    assert block in text
    only_one = tmp_path / "sh-001.toml"
    only_one.write_text(text.replace(block, ""), "utf-8")
    only_two = tmp_path / "sh-002.toml"
    only_two.write_text(
        text.replace('[[stores]]\nid = "sh-001"\nname = "茶颜示范店 · 人民广场"\n', ""), "utf-8"
    )
    with (
        pg_server(tmp_path / "a", schema, shop_path=only_one) as a,
        pg_server(tmp_path / "b", schema, shop_path=only_two) as b,
    ):
        ca, cb = Client.connect(a.target), Client.connect(b.target)
        ca.submit(draft(line("classic_milk_tea"), store_id="sh-001"))
        cb.submit(draft(line("classic_milk_tea"), store_id="sh-002"))
        with pytest.raises(grpc.RpcError):
            ca.submit(draft(line("classic_milk_tea"), store_id="sh-002"))
        ca.close()
        cb.close()
        both = pg_server(tmp_path / "c", schema)
        with pytest.raises(RuntimeError, match="already belong to another engine"):
            both.start(timeout_s=30)
    assert query(f"SELECT log_id, count(*) FROM {schema}.events GROUP BY log_id ORDER BY 1") == [
        ("sh-001", 1),
        ("sh-002", 1),
    ]


def test_durability_normal_is_refused_with_postgresql(tmp_path: Path, schema: str) -> None:
    server = pg_server(tmp_path / "a", schema, "--durability", "normal")
    with pytest.raises(RuntimeError, match="synchronous_commit"):
        server.start(timeout_s=30)


def test_the_key_table_keeps_what_the_core_let_go_of(schema: str) -> None:
    async def scenario() -> None:
        log = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
        log.start(asyncio.get_running_loop())
        await exercise_key_table(log)

    asyncio.run(scenario())
    reopened = PostgresEventLog.open(PG_URL, STORES, schema=schema, wait_s=0)
    try:
        assert reopened.logged_key(common_pb2.CHANNEL_COUNTER, "k-1"), "the keys survive a reopen"
        catch_up_writes_keys(reopened)
    finally:
        reopened.abandon()
    # Keys are per log: another log's engine never sees them.
    other = PostgresEventLog.open(PG_URL, ["sh-003"], schema=schema, wait_s=0)
    try:
        assert other.logged_key(common_pb2.CHANNEL_COUNTER, "k-1") is None
    finally:
        other.abandon()


def test_a_duplicate_of_an_evicted_order_is_answered_from_postgresql(
    tmp_path: Path, schema: str
) -> None:
    """The runtime on PostgreSQL: an evicted order's key is in the key table, so a duplicate gets
    its first answer, before and after a restart, and another draft under it is refused."""
    storage = StorageConfig(url=PG_URL, pg_schema=schema)

    def open_runtime(clock: SimClock) -> Runtime:
        runtime = Runtime.open(
            tmp_path / "data", storage=storage, snapshot_every=0, order_retention_s=RETENTION_S
        )
        runtime.clock = Clock(runtime.log.last_at_ms(), now_ms=clock)
        runtime.start()
        if runtime._ticker is not None:  # the test owns time: it ticks
            runtime._ticker.cancel()
        return runtime

    async def scenario() -> None:
        clock = SimClock()
        runtime = open_runtime(clock)
        _, request, answer = await make(runtime, "pg-key")
        clock.now += int(3 * RETENTION_S * 1000)
        await tick(runtime)
        assert runtime.engine.orders_in_memory == 0
        assert runtime.log.logged_key(common_pb2.CHANNEL_COUNTER, "pg-key") is not None
        for _ in range(2):
            outcome = await runtime.submit(request)
            assert outcome.replayed and runtime.answer(outcome) == answer
            await refuses_another_draft_under(runtime, request)
            await runtime.close()
            runtime = open_runtime(clock)
        # The look-up lets other calls run: the same new key twice at once is one order, and the
        # second gets the first's answer.
        twice = orders_pb2.SubmitOrderRequest(order=draft(channel_order_id="pg-twice"))
        both = await asyncio.gather(*(runtime.submit(twice.SerializeToString()) for _ in "ab"))
        assert sorted(o.replayed for o in both) == [False, True]
        assert runtime.answer(both[0]) == runtime.answer(both[1])
        await runtime.close()

    asyncio.run(scenario())
