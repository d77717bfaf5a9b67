"""StreamTickets: resume after a reconnect with nothing lost or repeated."""

from __future__ import annotations

import grpc
import pytest

from pyengine.v1 import kitchen_pb2
from tests.support import Client, draft, field_violations, line, ticket_stream


def test_reconnect_resumes_without_loss_or_repeat(client: Client) -> None:
    display = ticket_stream(client, "tea_bar")
    first = [client.submit(draft(line("classic_milk_tea", 1))).order_id for _ in range(3)]
    seen = display.take(3)
    display.cancel()  # the display's wifi drops...
    # ...and the kitchen keeps going meanwhile.
    later = [client.submit(draft(line("lemon_black_tea", 2))).order_id for _ in range(4)]
    client.act("Bump", f"{first[0]}/tea_bar")
    resumed = ticket_stream(client, "tea_bar", after_seq=seen[-1].seq)
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


def test_two_displays_see_the_same_sequence(client: Client) -> None:
    a = ticket_stream(client, "tea_bar")
    b = ticket_stream(client, "tea_bar")
    for _ in range(5):
        client.submit(draft(line("classic_milk_tea")))
    assert [e.SerializeToString() for e in a.take(5)] == [e.SerializeToString() for e in b.take(5)]
    a.cancel()
    b.cancel()


def test_stations_have_their_own_sequences(client: Client) -> None:
    client.submit(draft(line("mango_smoothie")))
    client.submit(draft(line("classic_milk_tea")))
    fruit = ticket_stream(client, "fruit_prep").next()
    tea = ticket_stream(client, "tea_bar").next()
    assert (fruit.seq, tea.seq) == (1, 1)


def test_unknown_station_and_seq_from_the_future(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        ticket_stream(client, "grill").next()
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(failure.value) == ["station"]
    client.submit(draft())
    with pytest.raises(grpc.RpcError) as failure:
        ticket_stream(client, "tea_bar", after_seq=50).next()
    assert field_violations(failure.value) == ["after_seq"]
