"""`pyengine serve --workers 2` on the sample shop (sh-001 on worker 0, sh-002 on worker 1): real
processes on loopback, real SQLite files. Each store is served by its worker, a call that reaches
the other worker changes nothing there and names the owner, every shard replays on restart, a
restart with another worker count is refused, and no worker outlives the server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from pyengine.cli import main
from pyengine.routes import StoreRoutes, reachable, redirect_address
from pyengine.serverproc import ServerProcess
from pyengine.sharding import shard_dir
from pyengine.v1 import kitchen_pb2, orders_pb2, promotions_pb2, promotions_pb2_grpc
from tests.support import Client, draft, line, precondition_subjects, ticket_stream

TWO = ["--workers", "2"]
REPLAY_HEADER = "pyengine-idempotent-replay"


@pytest.fixture
def two_workers(data_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir, extra_args=TWO)
    process.start()
    yield process
    if process.process is not None:
        process.stop()


def events(data_dir: Path, worker: int) -> int:
    """Records in one worker's event log, read from its SQLite file."""
    path = shard_dir(data_dir, worker, 2) / "events.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def worker_pids(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == parent:
                children.append(int(entry.name))
    return children


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until_gone(pids: list[int], timeout_s: float = 30.0) -> list[int]:
    """Waits for the processes to end; the ones still running at the deadline."""
    deadline = time.monotonic() + timeout_s
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if running(p)]


def refused(error: grpc.RpcError) -> tuple[grpc.StatusCode, str | None]:
    assert isinstance(error, grpc.Call)
    return error.code(), redirect_address(error)


def test_each_store_is_served_by_its_worker_and_the_other_refuses_it(
    two_workers: ServerProcess, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = StoreRoutes.fetch(two_workers.target)
    assert len(routes.addresses) == 2 and routes.addresses[0] == two_workers.target
    assert routes.owner == {"sh-001": 0, "sh-002": 1}
    assert StoreRoutes.fetch(routes.addresses[1]) == routes  # any worker answers the same
    first, second = (Client.connect(address) for address in routes.addresses)
    try:
        displays = {
            "sh-001": ticket_stream(first, "tea_bar", store="sh-001"),
            "sh-002": ticket_stream(second, "tea_bar", store="sh-002"),
        }
        admitted = {
            "sh-001": first.submit(draft(store_id="sh-001")).order_id,
            "sh-002": second.submit(draft(store_id="sh-002")).order_id,
        }
        assert admitted == {"sh-001": "sh-001-000001", "sh-002": "sh-002-000001"}
        for store, display in displays.items():
            assert display.next().ticket.order_id == admitted[store]

        # A submission for sh-002 at worker 0: refused there, nothing written, owner named.
        before = events(data_dir, 0)
        misrouted = draft(store_id="sh-002", channel_order_id="wrong-door")
        with pytest.raises(grpc.RpcError) as error:
            first.submit(misrouted)
        assert refused(error.value) == (grpc.StatusCode.FAILED_PRECONDITION, routes.addresses[1])
        assert precondition_subjects(error.value) == [routes.addresses[1]]
        assert "sh-002" in (error.value.details() or "")
        assert events(data_dir, 0) == before
        # At its owner it is a first submission, not a replay: it was never half-applied.
        response, call = second.orders.SubmitOrder.with_call(
            orders_pb2.SubmitOrderRequest(order=misrouted), timeout=30
        )
        assert response.order_id == "sh-002-000002"
        assert REPLAY_HEADER not in dict(call.trailing_metadata() or ())

        # Reads, kitchen actions and streams of a store follow the same rule.
        for wrong in (
            lambda: first.get("sh-002-000001"),
            lambda: first.act("Bump", "sh-002-000001/tea_bar"),
            lambda: ticket_stream(first, "tea_bar", store="sh-002").next(),
        ):
            with pytest.raises(grpc.RpcError) as error:
                wrong()
            assert refused(error.value) == (
                grpc.StatusCode.FAILED_PRECONDITION,
                routes.addresses[1],
            )
        # A store no worker owns is the core's ordinary error, not a redirect.
        with pytest.raises(grpc.RpcError) as error:
            first.submit(draft(store_id="nowhere"))
        assert refused(error.value) == (grpc.StatusCode.INVALID_ARGUMENT, None)

        # `pyengine submit` at worker 0 finds sh-002's worker by itself.
        order = {
            "order": {
                "store_id": "sh-002",
                "channel": "CHANNEL_KIOSK",
                "channel_order_id": "cli-1",
                "lines": [{"sku": "classic_milk_tea", "quantity": 1}],
            }
        }
        path = data_dir.parent / "order.json"
        path.write_text(json.dumps(order))
        assert main(["submit", str(path), "--target", two_workers.target]) == 0
        assert json.loads(capsys.readouterr().out)["order_id"] == "sh-002-000003"

        # A promotion change at one worker reaches the other (promotions are chain-wide).
        definition = {
            "id": "w-test",
            "name": "workers test",
            "kind": "percent_off",
            "level": "order",
            "percent": 5,
        }
        promotions = promotions_pb2_grpc.PromotionServiceStub(first.channel)  # type: ignore[no-untyped-call]
        promotions.PutPromotion(
            promotions_pb2.PutPromotionRequest(definition_json=json.dumps(definition)),
            timeout=30,
        )
        elsewhere = promotions_pb2_grpc.PromotionServiceStub(second.channel)  # type: ignore[no-untyped-call]
        listed = elsewhere.ListPromotions(promotions_pb2.ListPromotionsRequest(), timeout=30)
        assert "w-test" in {p.id for p in listed.promotions}
        for display in displays.values():
            display.cancel()
    finally:
        first.close()
        second.close()


def test_restart_replays_every_shard_and_refuses_another_worker_count(data_dir: Path) -> None:
    server = ServerProcess(data_dir, extra_args=TWO)
    server.start()
    routes = StoreRoutes.fetch(server.target)
    orders = {}
    for store in ("sh-001", "sh-002"):
        client = Client.connect(routes.of_store(store))
        orders[store] = client.submit(draft(line("fresh_grape_tea", 2), store_id=store)).order_id
        client.close()
    assert server.stop() == 0
    assert not (data_dir / "events.sqlite3").exists()

    for workers in ("1", "3"):
        with pytest.raises(RuntimeError, match="was written by 2 worker"):
            ServerProcess(data_dir, extra_args=["--workers", workers]).start()

    server.start()
    try:
        routes = StoreRoutes.fetch(server.target)
        for store, order_id in orders.items():
            client = Client.connect(routes.of_store(store))
            order = client.get(order_id)
            client.close()
            assert order.store_id == store
            assert [(ln.sku, ln.quantity) for ln in order.quote.lines] == [("fresh_grape_tea", 2)]
    finally:
        server.stop()


def test_a_one_process_folder_is_not_opened_by_two_workers(data_dir: Path) -> None:
    with ServerProcess(data_dir):
        pass
    with pytest.raises(RuntimeError, match="one-process server"):
        ServerProcess(data_dir, extra_args=TWO).start()


def test_killing_the_server_leaves_no_worker_running(two_workers: ServerProcess) -> None:
    assert two_workers.process is not None
    workers = worker_pids(two_workers.process.pid)
    assert len(workers) == 2
    two_workers.kill()  # SIGKILL: the parent runs no shutdown code at all
    assert wait_until_gone(workers) == []


def test_a_worker_that_dies_stops_the_server_naming_it(two_workers: ServerProcess) -> None:
    assert two_workers.process is not None
    workers = sorted(worker_pids(two_workers.process.pid))
    os.kill(workers[1], signal.SIGKILL)
    assert two_workers.wait(30) == 1
    assert wait_until_gone(workers) == []
    output = "".join(two_workers.output)
    assert f"worker 1 (pid {workers[1]}, stores sh-002) exited with status -9" in output
    assert "stopping the other workers" in output


def test_stream_of_a_store_resumes_at_its_worker_after_a_restart(data_dir: Path) -> None:
    """Ticket streams are per store: after a restart the display resumes at the store's worker
    from the last seq it saw, with nothing lost."""
    with ServerProcess(data_dir, extra_args=TWO) as server:
        address = StoreRoutes.fetch(server.target).of_store("sh-002")
        client = Client.connect(address)
        display = ticket_stream(client, "tea_bar", store="sh-002")
        client.submit(draft(store_id="sh-002"))
        seen = display.next()
        display.cancel()
        client.close()
    with ServerProcess(data_dir, extra_args=TWO) as server:
        address = StoreRoutes.fetch(server.target).of_store("sh-002")
        client = Client.connect(address)
        later = client.submit(draft(store_id="sh-002")).order_id
        resumed = ticket_stream(client, "tea_bar", after_seq=seen.seq, store="sh-002")
        event = resumed.next()
        assert (event.seq, event.kind, event.ticket.order_id) == (
            seen.seq + 1,
            kitchen_pb2.TICKET_EVENT_KIND_ADDED,
            later,
        )
        resumed.cancel()
        client.close()


def test_a_worker_on_every_interface_is_reached_by_the_host_the_client_used() -> None:
    assert reachable("0.0.0.0:50052", "10.1.2.3:50051") == "10.1.2.3:50052"
    assert reachable("[::]:50052", "kitchen.local:50051") == "kitchen.local:50052"
    assert reachable("127.0.0.1:50052", "10.1.2.3:50051") == "127.0.0.1:50052"
