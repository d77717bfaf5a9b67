"""StreamTickets and StreamTicketBatches: resume after a reconnect with nothing lost or repeated;
the batches carry the same events, several to a message."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest

from pyengine.v1 import kitchen_pb2
from tests.support import (
    Client,
    Stream,
    draft,
    field_violations,
    line,
    ticket_batch_stream,
    ticket_stream,
)

OpenStream = Callable[..., Stream]


@pytest.fixture(params=[ticket_stream, ticket_batch_stream], ids=["events", "batches"])
def open_stream(request: pytest.FixtureRequest) -> OpenStream:
    return request.param  # type: ignore[no-any-return]


def test_reconnect_resumes_without_loss_or_repeat(client: Client, open_stream: OpenStream) -> None:
    display = open_stream(client, "tea_bar")
    first = [client.submit(draft(line("classic_milk_tea", 1))).order_id for _ in range(3)]
    seen = display.take(3)
    display.cancel()  # the display's wifi drops...
    # ...and the kitchen keeps going meanwhile.
    later = [client.submit(draft(line("lemon_black_tea", 2))).order_id for _ in range(4)]
    client.act("Bump", f"{first[0]}/tea_bar")
    resumed = open_stream(client, "tea_bar", after_seq=seen[-1].seq)
    caught_up = resumed.take(5)
    live_order = client.submit(draft(line("jasmine_milk_green"))).order_id
    live = resumed.next()
    sequence = [e.seq for e in seen + caught_up + [live]]
    assert sequence == list(range(1, 10))
    assert [e.ticket.order_id for e in caught_up[:4]] == later
    assert (caught_up[4].kind, caught_up[4].ticket.order_id) == (
        kitchen_pb2.TICKET_EVENT_KIND_BUMPED,
        first[0],
    )
    assert live.ticket.order_id == live_order
    resumed.cancel()


def test_two_displays_see_the_same_sequence(client: Client, open_stream: OpenStream) -> None:
    a = open_stream(client, "tea_bar")
    b = open_stream(client, "tea_bar")
    for _ in range(5):
        client.submit(draft(line("classic_milk_tea")))
    assert [e.SerializeToString() for e in a.take(5)] == [e.SerializeToString() for e in b.take(5)]
    a.cancel()
    b.cancel()


def test_stations_have_their_own_sequences(client: Client, open_stream: OpenStream) -> None:
    client.submit(draft(line("mango_smoothie")))
    client.submit(draft(line("classic_milk_tea")))
    fruit = open_stream(client, "fruit_prep").next()
    tea = open_stream(client, "tea_bar").next()
    assert (fruit.seq, tea.seq) == (1, 1)


def test_unknown_station_and_seq_from_the_future(client: Client, open_stream: OpenStream) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        open_stream(client, "grill").next()
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(failure.value) == ["station"]
    client.submit(draft())
    with pytest.raises(grpc.RpcError) as failure:
        open_stream(client, "tea_bar", after_seq=50).next()
    assert field_violations(failure.value) == ["after_seq"]


def test_a_backlog_comes_in_a_few_batches_and_live_events_follow(client: Client) -> None:
    orders = [client.submit(draft(line("classic_milk_tea"))).order_id for _ in range(40)]
    display = ticket_batch_stream(client, "tea_bar")
    backlog = display.take(40)
    assert [e.seq for e in backlog] == list(range(1, 41))
    assert [e.ticket.order_id for e in backlog] == orders
    assert display.batches == 1, "the history is one page: one message"
    client.act("Bump", f"{orders[0]}/tea_bar")
    live = display.next()
    assert (live.seq, live.kind) == (41, kitchen_pb2.TICKET_EVENT_KIND_BUMPED)
    assert display.batches == 2
    # The same events, byte for byte, as StreamTickets gives them one by one.
    single = ticket_stream(client, "tea_bar").take(41)
    assert [e.SerializeToString() for e in single] == [
        e.SerializeToString() for e in [*backlog, live]
    ]
    display.cancel()
