"""Bad input gets a clear status naming the field; nothing is persisted; the server lives on."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2, store_pb2
from tests.support import (
    STORE,
    Client,
    draft,
    event_count,
    field_violations,
    line,
    precondition_subjects,
)


def invalid(client: Client, order: orders_pb2.OrderDraft) -> list[str]:
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(order)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT, failure.value.details()
    fields = field_violations(failure.value)
    assert all(f in failure.value.details() for f in fields)
    return fields


def healthy(client: Client) -> bool:
    health = health_pb2_grpc.HealthStub(client.channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)


CASES = [
    ("unknown store", dict(store_id="nowhere"), "order.store_id"),
    ("unknown sku", dict(lines=[line("taro_latte")]), "order.lines[0].sku"),
    (
        "unknown modifier",
        dict(lines=[line("classic_milk_tea"), line("lemon_black_tea", 1, "gold_flakes")]),
        "order.lines[1].modifiers[0]",
    ),
    (
        "modifier the item does not take",
        dict(lines=[line("lemon_black_tea", 1, "cheese_foam")]),
        "order.lines[0].modifiers[0]",
    ),
    ("zero quantity", dict(lines=[line("classic_milk_tea", 0)]), "order.lines[0].quantity"),
    ("negative quantity", dict(lines=[line("classic_milk_tea", -2)]), "order.lines[0].quantity"),
    ("absurd quantity", dict(lines=[line("classic_milk_tea", 100000)]), "order.lines[0].quantity"),
    ("missing channel order id", dict(channel_order_id=""), "order.channel_order_id"),
    ("no channel", dict(channel=common_pb2.CHANNEL_UNSPECIFIED), "order.channel"),
    (
        "delivery without a rider time",
        dict(fulfillment=common_pb2.FULFILLMENT_DELIVERY),
        "order.target_time_ms",
    ),
    ("oversized note", dict(customer_note="茶" * 100_000), "order.customer_note"),
    ("too many lines", dict(lines=[line("classic_milk_tea")] * 5000), "order.lines"),
]


@pytest.mark.parametrize(("case", "fields", "field"), CASES, ids=[c[0] for c in CASES])
def test_invalid_order_names_the_field(
    client: Client, data_dir: Path, case: str, fields: dict, field: str
) -> None:
    before = event_count(data_dir)
    order = draft(**{k: v for k, v in fields.items() if k not in ("lines", "channel_order_id")})
    if "lines" in fields:
        del order.lines[:]
        order.lines.extend(fields["lines"])
    if "channel_order_id" in fields:
        order.channel_order_id = fields["channel_order_id"]
    assert invalid(client, order) == [field]
    assert event_count(data_dir) == before
    assert healthy(client)


def test_empty_order_is_refused(client: Client, data_dir: Path) -> None:
    before = event_count(data_dir)
    order = draft()
    del order.lines[:]
    assert invalid(client, order) == ["order.lines"]
    assert event_count(data_dir) == before


def test_missing_order_is_refused(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        client.orders.SubmitOrder(orders_pb2.SubmitOrderRequest(), timeout=10)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(failure.value) == ["order"]


def test_a_bad_line_half_applies_nothing(client: Client, data_dir: Path) -> None:
    """Three good lines and one bad: no ticket, no event, no order."""
    before = event_count(data_dir)
    order = draft(line("classic_milk_tea"), line("mango_smoothie"), line("x"), line("egg"))
    assert invalid(client, order) == ["order.lines[2].sku"]
    assert event_count(data_dir) == before
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="tea_bar")
    )
    assert board.last_seq == 0 and not board.queue


def test_malformed_bytes_are_refused(client: Client) -> None:
    call = client.channel.unary_unary(
        "/pyengine.v1.OrderService/SubmitOrder",
        request_serializer=None,
        response_deserializer=None,
    )
    with pytest.raises(grpc.RpcError) as failure:
        call(b"\xff\xff\xff\xff not protobuf", timeout=10)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert healthy(client)


def test_message_over_the_transport_limit(client: Client, data_dir: Path) -> None:
    before = event_count(data_dir)
    order = draft(customer_note="x" * (5 * 1024 * 1024))
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(order)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert event_count(data_dir) == before
    assert healthy(client)
    assert client.submit(draft()).order_id


def test_sold_out_item_names_the_item(client: Client, data_dir: Path) -> None:
    client.store.SetAvailability(
        store_pb2.SetAvailabilityRequest(store_id=STORE, sku="mango_smoothie", available=False)
    )
    before = event_count(data_dir)
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(draft(line("classic_milk_tea"), line("mango_smoothie")))
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "mango_smoothie" in failure.value.details()
    assert precondition_subjects(failure.value) == ["order.lines[1].sku"]
    assert event_count(data_dir) == before
    # Sold out in one store only; back on sale when the manager says so.
    other = client.submit(draft(line("mango_smoothie"), store_id="sh-002"))
    assert other.order_id
    client.store.SetAvailability(
        store_pb2.SetAvailabilityRequest(store_id=STORE, sku="mango_smoothie", available=True)
    )
    assert client.submit(draft(line("mango_smoothie"))).order_id


def test_sold_out_modifier(client: Client) -> None:
    client.store.SetAvailability(
        store_pb2.SetAvailabilityRequest(store_id=STORE, modifier="pearls", available=False)
    )
    menu = client.store.GetMenu(store_pb2.GetMenuRequest(store_id=STORE))
    tea = next(item for item in menu.items if item.sku == "classic_milk_tea")
    assert {m.code: m.available for m in tea.modifiers}["pearls"] is False
    with pytest.raises(grpc.RpcError) as failure:
        client.submit(draft(line("classic_milk_tea", 1, "large", "pearls")))
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert precondition_subjects(failure.value) == ["order.lines[0].modifiers[1]"]


def test_unknown_ids_and_wrong_states(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        client.get("sh-001-999999")
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as failure:
        client.act("Bump", "nope/tea_bar")
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    answer = client.submit(draft())
    with pytest.raises(grpc.RpcError) as failure:
        client.act("Start", f"{answer.order_id}/shaker")  # still waiting for the tea bar
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as failure:
        client.store.SetStaffing(
            store_pb2.SetStaffingRequest(store_id=STORE, station="tea_bar", slots=-1)
        )
    assert field_violations(failure.value) == ["slots"]
    with pytest.raises(grpc.RpcError) as failure:
        client.store.GetMenu(store_pb2.GetMenuRequest(store_id="nowhere"))
    assert field_violations(failure.value) == ["store_id"]


def test_pickup_time_too_far_ahead(client: Client) -> None:
    far = int(time.time() * 1000) + 30 * 24 * 3600 * 1000
    order = draft(fulfillment=common_pb2.FULFILLMENT_PICKUP_AT, target_time_ms=far)
    assert invalid(client, order) == ["order.target_time_ms"]
