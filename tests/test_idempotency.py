"""SubmitOrder is idempotent on (channel, channel_order_id)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2
from tests.support import STORE, Client, draft, event_count, line


def raw_submit(client: Client, request: orders_pb2.SubmitOrderRequest) -> tuple[bytes, dict]:
    """The answer's exact bytes, read through a bytes-level call, and its trailing metadata."""
    call = client.channel.unary_unary(
        "/pyengine.v1.OrderService/SubmitOrder",
        request_serializer=None,
        response_deserializer=None,
    )
    answer, rendezvous = call.with_call(request.SerializeToString(), timeout=30)
    return answer, dict(rendezvous.trailing_metadata() or ())


def test_replay_returns_the_first_answer_byte_for_byte(client: Client, data_dir: Path) -> None:
    request = orders_pb2.SubmitOrderRequest(order=draft(line("classic_milk_tea", 2, "pearls")))
    first, first_trailer = raw_submit(client, request)
    events = event_count(data_dir)
    order_id = orders_pb2.SubmitOrderResponse.FromString(first).order_id
    # The kitchen moves on; a retry still gets the answer it would have had.
    client.act("Start", f"{order_id}/tea_bar")
    events = event_count(data_dir)
    second, second_trailer = raw_submit(client, request)
    assert second == first
    assert second_trailer.get("pyengine-idempotent-replay") == "true"
    assert "pyengine-idempotent-replay" not in first_trailer
    assert event_count(data_dir) == events
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="tea_bar")
    )
    assert [t.order_id for t in board.queue] == [order_id]


def test_same_key_different_order_is_refused(client: Client, data_dir: Path) -> None:
    original = draft(line("classic_milk_tea", 1), channel=common_pb2.CHANNEL_ELEME)
    client.submit(original)
    events = event_count(data_dir)
    changed = orders_pb2.OrderDraft()
    changed.CopyFrom(original)
    changed.lines[0].quantity = 3
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(changed)
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "channel_order_id" in failure.value.details()
    assert event_count(data_dir) == events


def test_same_id_on_another_channel_is_another_order(client: Client) -> None:
    a = client.submit(draft(channel=common_pb2.CHANNEL_MEITUAN, channel_order_id="9001"))
    b = client.submit(draft(channel=common_pb2.CHANNEL_ELEME, channel_order_id="9001"))
    assert a.order_id != b.order_id


def test_concurrent_duplicates_admit_one_order(client: Client, data_dir: Path) -> None:
    request = orders_pb2.SubmitOrderRequest(
        order=draft(line("jasmine_milk_green", 1), channel=common_pb2.CHANNEL_MEITUAN)
    )
    before = event_count(data_dir)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: raw_submit(client, request)[0], range(16)))
    assert len(set(answers)) == 1
    assert event_count(data_dir) == before + 1
