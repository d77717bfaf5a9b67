"""Crash test: clients submit orders (and retry them) while the server is SIGKILLed and restarted.

Afterwards every acknowledged order is in the log exactly once, every retry got the first answer
byte for byte, each station's ticket stream (read from seq 0 over gRPC) is gap-free and equals what
a clean replay of the log produces, and the live state hash equals a clean replay's.

What is submitted, which keys are retried, which are reused with another payload and after how many
acknowledgements each kill happens all come from the seed (printed on failure). Which request is
in flight at a kill is up to the scheduler; the checks do not depend on it.

It runs against SQLite, and against PostgreSQL (smaller: 1/3 of the orders, 2 fewer kills; each
restart then also waits out the killed owner's lease) when PYENGINE_TEST_PG or the default local
database is reachable, skipped with the reason otherwise.

Scale it with the environment: PYENGINE_CRASH_SEED, PYENGINE_CRASH_ORDERS (default 1500),
PYENGINE_CRASH_KILLS (default 5), PYENGINE_CRASH_WORKERS (default 12). For example
`PYENGINE_CRASH_ORDERS=20000 PYENGINE_CRASH_KILLS=40 .venv/bin/python -m pytest tests/test_crash.py
--timeout 1800`.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import threading
import tomllib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import grpc
import msgpack
import pytest

from pyengine import _native, shop
from pyengine.serverproc import ServerProcess
from pyengine.service.server import STOPPED_AT_PREFIX
from pyengine.v1 import common_pb2, kitchen_pb2, kitchen_pb2_grpc, orders_pb2, orders_pb2_grpc
from tests.support import Stream

SEED = int(os.environ.get("PYENGINE_CRASH_SEED", "20260701"))
PG_URL = os.environ.get("PYENGINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ORDERS = int(os.environ.get("PYENGINE_CRASH_ORDERS", "1500"))
KILLS = int(os.environ.get("PYENGINE_CRASH_KILLS", "5"))
WORKERS = int(os.environ.get("PYENGINE_CRASH_WORKERS", "12"))

STORES = ("sh-001", "sh-002")
CHANNELS = (
    common_pb2.CHANNEL_COUNTER,
    common_pb2.CHANNEL_KIOSK,
    common_pb2.CHANNEL_MINI_PROGRAM,
    common_pb2.CHANNEL_MEITUAN,
    common_pb2.CHANNEL_ELEME,
)
# Failures a client sees while the server is down or dies under its call: retry the same key.
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
SUBMIT = "/pyengine.v1.OrderService/SubmitOrder"
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
]
REPLAYED_RE = re.compile(r"replayed (\d+) records in [0-9.]+ s \(state ([0-9a-f]+)\)")
STOPPED_RE = re.compile(re.escape(STOPPED_AT_PREFIX) + r"(\d+) state ([0-9a-f]+)")


@dataclass(frozen=True)
class Job:
    """One order of the workload, with what the client does around it."""

    request: bytes
    key: tuple[int, str]
    resubmit: bool  # send it again once acknowledged: must get the first answer byte for byte
    conflicting: bytes | None  # the same key with another order: must be ALREADY_EXISTS


@dataclass
class Tally:
    answers: dict[tuple[int, str], bytes] = field(default_factory=dict)
    # Keys the shop refused (FAILED_PRECONDITION: fast mode hides slow items when overloaded).
    refused: set[tuple[int, str]] = field(default_factory=set)
    retries: int = 0
    replays_checked: int = 0
    conflicts_refused: int = 0
    lock: threading.Condition = field(default_factory=threading.Condition)

    def acknowledged(self, key: tuple[int, str], answer: bytes) -> None:
        with self.lock:
            assert key not in self.answers, f"{key} acknowledged twice"
            self.answers[key] = answer
            self.lock.notify_all()

    def refuse(self, key: tuple[int, str]) -> None:
        with self.lock:
            self.refused.add(key)
            self.lock.notify_all()

    def finished(self) -> int:
        return len(self.answers) + len(self.refused)


def workload(seed: int, count: int) -> list[Job]:
    rng = random.Random(seed)
    menu = tomllib.loads(
        resources.files("pyengine.data").joinpath("sample_shop.toml").read_text("utf-8")
    )
    items = [(item["sku"], item.get("modifiers", [])) for item in menu["items"]]
    jobs = []
    for i in range(count):
        channel = rng.choice(CHANNELS)
        key = (channel, f"crash-{seed}-{i}")
        lines = []
        for _ in range(rng.randint(1, 3)):
            sku, modifiers = rng.choice(items)
            chosen = rng.sample(modifiers, k=min(len(modifiers), rng.randint(0, 2)))
            lines.append(
                orders_pb2.OrderLine(sku=sku, quantity=rng.randint(1, 2), modifiers=chosen)
            )
        order = orders_pb2.OrderDraft(
            store_id=rng.choice(STORES), channel=channel, channel_order_id=key[1], lines=lines
        )
        conflicting = None
        if rng.random() < 0.03:
            other = orders_pb2.OrderDraft()
            other.CopyFrom(order)
            other.lines[0].quantity += 1
            conflicting = orders_pb2.SubmitOrderRequest(order=other).SerializeToString()
        jobs.append(
            Job(
                request=orders_pb2.SubmitOrderRequest(order=order).SerializeToString(),
                key=key,
                resubmit=rng.random() < 0.1,
                conflicting=conflicting,
            )
        )
    return jobs


def kill_points(seed: int, count: int, kills: int) -> list[int]:
    """Acknowledgement counts at which the server is killed."""
    rng = random.Random(seed ^ 0x5EED)
    return sorted(rng.sample(range(count // 20, count * 19 // 20), kills))


def send(call: grpc.UnaryUnaryMultiCallable, request: bytes, tally: Tally) -> bytes:
    """Sends until the server answers; retries (same bytes, same key) while it is down."""
    while True:
        try:
            answer: bytes = call(request, timeout=30, wait_for_ready=True)
            return answer
        except grpc.RpcError as exc:
            if exc.code() not in RETRYABLE:  # type: ignore[attr-defined]
                raise
            with tally.lock:
                tally.retries += 1


def run_job(call: grpc.UnaryUnaryMultiCallable, job: Job, tally: Tally) -> None:
    try:
        answer = send(call, job.request, tally)
    except grpc.RpcError as exc:
        # The shop may refuse a new order (an overloaded kitchen hides slow items); never a
        # retry of one it admitted, which must replay the first answer (checked below: a refused
        # key is not in the log).
        assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION, exc  # type: ignore[attr-defined]
        tally.refuse(job.key)
        return
    tally.acknowledged(job.key, answer)
    if job.resubmit:
        assert send(call, job.request, tally) == answer, f"replay of {job.key} differs"
        with tally.lock:
            tally.replays_checked += 1
    if job.conflicting is not None:
        with pytest.raises(grpc.RpcError) as refused:
            send(call, job.conflicting, tally)
        assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS  # type: ignore[attr-defined]
        with tally.lock:
            tally.conflicts_refused += 1


@dataclass
class Replay:
    last_lsn: int
    state_hash: str
    feeds: dict[tuple[str, str], list[tuple[int, bytes]]]


def crash_shop(tmp_path: Path) -> Path:
    """The sample shop without fast mode and channel pauses: nobody bumps tickets here, so the
    kitchen is soon overloaded and those would refuse most new orders; this test is about
    durability (refusals are still allowed and checked: a refused key is never in the log)."""
    path = tmp_path / "shop.toml"
    text = shop.sample_shop_path().read_text("utf-8")
    assert "[scheduler]" not in text
    path.write_text(text + "\n[scheduler]\nfast_mode = false\nchannel_pause = false\n", "utf-8")
    return path


@dataclass(frozen=True)
class LogSource:
    """Where the server under test keeps its log: an SQLite file, or a PostgreSQL schema."""

    db: Path | None = None
    pg_schema: str = ""

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        if self.db is not None:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(PG_URL) as conn:
            rows = conn.execute(sql.replace("FROM ", f"FROM {self.pg_schema}."), params)
            return rows.fetchall()


def clean_replay(db: LogSource, shop_path: Path, upto: int | None = None) -> Replay:
    """A fresh core fed the log's records, as a new process would be."""
    engine = _native.Engine(shop.load_json(shop_path))
    feeds: dict[tuple[str, str], list[tuple[int, bytes]]] = defaultdict(list)
    for _, record in log_records(db, upto):
        for store, station, seq, event in engine.apply(record).ticket_events:
            feeds[(store, station)].append((seq, event))
    return Replay(engine.last_lsn, engine.state_hash(), dict(feeds))


def log_records(db: LogSource, upto: int | None = None) -> Iterator[tuple[int, bytes]]:
    rows = db.query(
        "SELECT lsn, record FROM events WHERE lsn <= %s ORDER BY lsn",
        (upto if upto is not None else 2**62,),
    )
    for lsn, record in rows:
        yield int(lsn), bytes(record)


def stream_from_zero(
    channel: grpc.Channel, store: str, station: str, count: int
) -> list[tuple[int, bytes]]:
    stub = kitchen_pb2_grpc.KitchenServiceStub(channel)
    stream = Stream(
        stub.StreamTickets(kitchen_pb2.StreamTicketsRequest(store_id=store, station=station))
    )
    try:
        return [(m.seq, m.SerializeToString()) for m in stream.take(count, timeout=30)]
    finally:
        stream.cancel()


def pg_schema_or_skip() -> Iterator[str]:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc}); set PYENGINE_TEST_PG")
    name = f"pyengine_crash_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_orders_survive_random_sigkills(tmp_path: Path, backend: str) -> None:
    seed, count, kills = SEED, ORDERS, KILLS
    if backend == "postgresql":
        # The same checks against the PostgreSQL log, smaller: the SQLite run covers the scale.
        schemas = pg_schema_or_skip()
        source = LogSource(pg_schema=next(schemas))
        count, kills = max(count // 3, 100), max(kills - 2, 1)
        extra = ["--store", PG_URL, "--pg-schema", source.pg_schema, "--lease-ttl", "2"]
    else:
        source = LogSource(db=tmp_path / "data" / "events.sqlite3")
        extra = []
    try:
        run_crash_test(tmp_path, seed, count, kills, source, extra)
    finally:
        if backend == "postgresql":
            next(schemas, None)


def run_crash_test(
    tmp_path: Path, seed: int, count: int, kills: int, source: LogSource, extra: list[str]
) -> None:
    print(f"crash test: seed={seed} orders={count} kills={kills} workers={WORKERS}")
    jobs = workload(seed, count)
    points = kill_points(seed, count, kills)
    data_dir = tmp_path / "data"
    db = source
    shop_path = crash_shop(tmp_path)
    promotions = ["--promotions", str(shop.sample_promotions_path())]
    server = ServerProcess(data_dir, shop=shop_path, extra_args=[*promotions, *extra])
    server.start()
    tally = Tally()
    channel = grpc.insecure_channel(server.target, options=CHANNEL_OPTIONS)
    call = channel.unary_unary(SUBMIT, request_serializer=None, response_deserializer=None)
    killer_error: list[BaseException] = []

    def killer() -> None:
        try:
            for point in points:
                with tally.lock:
                    tally.lock.wait_for(lambda p=point: tally.finished() >= p)  # type: ignore[misc]
                server.kill()
                server.start()
        except BaseException as exc:  # reported by the main thread
            killer_error.append(exc)

    try:
        killing = threading.Thread(target=killer, name="killer")
        killing.start()
        with ThreadPoolExecutor(WORKERS) as pool:
            for done in [pool.submit(run_job, call, job, tally) for job in jobs]:
                done.result()
        killing.join(120)
        assert not killing.is_alive() and not killer_error, killer_error
        assert tally.finished() == count
        assert len(tally.answers) >= count * 9 // 10, "too many refused: the test is too weak"
        assert tally.retries > 0, "no call was interrupted: the kills tested nothing"

        # Every key is in the log exactly once, with the order id its answer named.
        submitted: Counter[tuple[str, str]] = Counter()
        order_ids: dict[str, str] = {}
        lsns = []
        for lsn, raw in log_records(db):
            lsns.append(lsn)
            record = msgpack.unpackb(raw)
            if record["kind"] == "order_submitted":
                body = record["body"]["order_submitted"]
                submitted[(str(body["channel"]), body["channel_order_id"])] += 1
                order_ids[body["channel_order_id"]] = body["order_id"]
        assert lsns == list(range(1, len(lsns) + 1)), "the log's lsns have a gap"
        duplicated = [key for key, n in submitted.items() if n > 1]
        assert not duplicated, f"admitted twice: {duplicated[:5]}"
        assert len(submitted) == len(tally.answers)
        refused_in_log = [key for _, key in tally.refused if key in order_ids]
        assert not refused_in_log, f"refused, yet admitted: {refused_in_log[:5]}"
        for (_, key), answer in tally.answers.items():
            assert order_ids[key] == orders_pb2.SubmitOrderResponse.FromString(answer).order_id

        # The recovered server: every answer is still there, and every station's stream from 0 is
        # exactly what a clean replay of the log produces, with seqs 1..n.
        replay = clean_replay(db, shop_path)
        for (_, key), answer in sorted(tally.answers.items())[:: max(1, count // 200)]:
            order = orders_pb2_grpc.OrderServiceStub(channel).GetOrder(
                orders_pb2.GetOrderRequest(order_id=order_ids[key]), timeout=30
            )
            first = orders_pb2.SubmitOrderResponse.FromString(answer)
            assert order.quote.total_minor == first.quote.total_minor
        for (store, station), expected in sorted(replay.feeds.items()):
            assert [seq for seq, _ in expected] == list(range(1, len(expected) + 1))
            got = stream_from_zero(channel, store, station, len(expected))
            assert got == expected, f"{store}/{station}: stream differs from the clean replay"
        feed_rows = db.query("SELECT COUNT(*) FROM ticket_feed")[0][0]
        assert feed_rows == sum(len(f) for f in replay.feeds.values()), "ticket_feed has extras"
    finally:
        channel.close()
        if server.process is not None:
            assert server.stop() == 0
    output = "".join(server.output)

    # The live state after a clean stop equals a clean replay of the log, bit for bit.
    stopped = STOPPED_RE.findall(output)
    assert stopped, "the server did not log its final state"
    final_lsn, final_hash = int(stopped[-1][0]), stopped[-1][1]
    assert final_lsn == replay.last_lsn
    assert final_hash == replay.state_hash
    # And each recovery after a kill rebuilt what a clean replay of that prefix gives.
    recoveries = REPLAYED_RE.findall(output)
    assert len(recoveries) >= kills, f"expected {kills} recoveries, saw {len(recoveries)}"
    for records, prefix_hash in recoveries:
        assert clean_replay(db, shop_path, int(records)).state_hash.startswith(prefix_hash)
    print(
        f"crash test: {count} orders ({len(tally.refused)} refused by the shop), {kills} kills,"
        f" {tally.retries} retried calls,"
        f" {tally.replays_checked} replays byte-identical, {tally.conflicts_refused} conflicts"
        f" refused, {final_lsn} records, state {final_hash[:16]}"
    )
