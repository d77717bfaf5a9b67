"""Kill the server and start it again: orders, tickets and sequence numbers are all still there."""

from __future__ import annotations

import re
import time

import grpc
import pytest

from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2
from tests.support import STORE, Client, draft, line, ticket_stream


def snapshot(client: Client, order_ids: list[str]) -> tuple[list[bytes], list[bytes]]:
    orders = [client.get(o) for o in order_ids]
    boards = [
        client.kitchen.GetStationBoard(
            kitchen_pb2.GetStationBoardRequest(store_id=STORE, station=station)
        )
        for station in ("tea_bar", "shaker", "sealer", "fruit_prep", "blender")
    ]
    # ETAs and due times are projections from "now": compare the state, not the clock.
    for order in orders:
        order.eta_ms = 0
    for board in boards:
        board.backlog_s = 0
        for ticket in board.queue:
            ticket.due_at_ms = 0
    return [o.SerializeToString() for o in orders], [b.SerializeToString() for b in boards]


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_state_survives_a_restart(server: ServerProcess, how: str) -> None:
    client = Client.connect(server.target)
    drafts = [draft(line("classic_milk_tea", 2), line("mango_smoothie", 1)) for _ in range(5)]
    answers = [client.submit(d) for d in drafts]
    ids = [a.order_id for a in answers]
    client.act("Start", f"{ids[0]}/tea_bar")
    client.act("Bump", f"{ids[1]}/tea_bar")
    client.act("Bump", f"{ids[1]}/fruit_prep")
    client.orders.CancelOrder(orders_pb2.CancelOrderRequest(order_id=ids[2]))
    before = snapshot(client, ids)
    tea_history = ticket_stream(client, "tea_bar").take(8)
    client.close()

    if how == "sigkill":
        server.kill()
    else:
        assert server.stop() == 0
    server.start()

    client = Client.connect(server.target)
    assert snapshot(client, ids) == before
    resumed = ticket_stream(client, "tea_bar")
    assert [e.SerializeToString() for e in resumed.take(8)] == [
        e.SerializeToString() for e in tea_history
    ]
    # New work continues the sequences and the order numbers.
    after = client.submit(draft(line("classic_milk_tea")))
    assert after.order_id not in ids
    assert resumed.next().seq == tea_history[-1].seq + 1
    resumed.cancel()
    # A retry of an order acknowledged before the restart is still a replay of the first answer,
    # and the same key with another order is still refused.
    assert client.submit(drafts[0]) == answers[0]
    changed = draft(line("classic_milk_tea"), channel_order_id=drafts[0].channel_order_id)
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(changed)
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert client.get(ids[2]).status == common_pb2.ORDER_STATUS_CANCELLED
    client.close()


def test_acknowledged_orders_survive_sigkill_mid_stream(server: ServerProcess) -> None:
    client = Client.connect(server.target)
    acknowledged = []
    for i in range(40):
        acknowledged.append(client.submit(draft(line("lemon_black_tea", 1 + i % 3))))
    client.close()
    server.kill()
    server.start()
    client = Client.connect(server.target)
    for answer in acknowledged:
        order = client.get(answer.order_id)
        assert order.quote.total_minor == answer.quote.total_minor
        assert order.status == common_pb2.ORDER_STATUS_ACCEPTED
    client.close()


def test_second_server_on_the_same_data_is_refused(server: ServerProcess) -> None:
    intruder = ServerProcess(server.data_dir)
    with pytest.raises(RuntimeError, match="in use"):
        intruder.start(timeout_s=30)


def test_a_failed_commit_stops_the_server_and_loses_nothing_acknowledged(
    server: ServerProcess,
) -> None:
    import sqlite3

    client = Client.connect(server.target)
    kept = client.submit(draft(line("classic_milk_tea")))
    # Another process takes SQLite's write lock and keeps it past the server's busy timeout.
    blocker = sqlite3.connect(server.data_dir / "events.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(grpc.RpcError) as failure:
            client.submit(draft(line("lemon_black_tea")))
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
        assert server.wait(30) == 1, "the server must stop: its memory is ahead of its log"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    client.close()
    assert any("restart to recover" in line for line in server.output)
    server.start()
    client = Client.connect(server.target)
    assert client.get(kept.order_id).status == common_pb2.ORDER_STATUS_ACCEPTED
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="tea_bar")
    )
    assert [t.order_id for t in board.queue] == [kept.order_id]
    client.close()


def _replayed_counts(server: ServerProcess, want: int) -> list[int]:
    """The "(N records replayed)" of the server's start-up lines, once `want` of them are in."""
    pattern = re.compile(r"\((\d+) records replayed\)")
    deadline = time.monotonic() + 30
    while True:
        counts = [int(m.group(1)) for line in list(server.output) if (m := pattern.search(line))]
        if len(counts) >= want or time.monotonic() > deadline:
            return counts
        time.sleep(0.01)  # polling the drained output for a line; no timing is asserted


def test_the_start_line_counts_what_the_log_held_before_the_start(server: ServerProcess) -> None:
    # A fresh folder held nothing: the sample promotions this start seeds are not "replayed".
    assert _replayed_counts(server, 1) == [0]
    client = Client.connect(server.target)
    client.submit(draft(line("classic_milk_tea")))
    client.close()
    assert server.stop() == 0
    server.start()
    first, second = _replayed_counts(server, 2)
    # The seeded promotions and the order are in the log now.
    assert first == 0 and second >= 8
