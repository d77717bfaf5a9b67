"""The scheduler through the service: admission decisions on SubmitOrder, the load ladder on
WatchLoad with its reasons and actions, fast mode and channel pause refusing with the field and
reason, and levels that survive a crash because they are records of the log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, orders_pb2, store_pb2
from tests.support import (
    STORE,
    Client,
    Stream,
    draft,
    field_violations,
    line,
    precondition_subjects,
)


def watch_load(client: Client, store: str = STORE) -> Stream:
    return Stream(client.store.WatchLoad(store_pb2.WatchLoadRequest(store_id=store)))


def fill(client: Client, count: int) -> list[orders_pb2.SubmitOrderResponse]:
    return [client.submit(draft(line("classic_milk_tea"))) for _ in range(count)]


def test_watch_load_streams_each_level_with_its_reason_and_actions(client: Client) -> None:
    stream = watch_load(client)
    first = stream.next()
    assert first.level == common_pb2.LOAD_LEVEL_NORMAL
    assert first.store_id == STORE
    fill(client, 10)
    busy = stream.next()
    assert busy.level == common_pb2.LOAD_LEVEL_BUSY
    assert busy.reason == "busy: 10 orders waiting (at 10)"
    assert busy.actions == ["warn the counter: the kitchen is busy"]
    assert busy.open_orders == 10
    assert not busy.pacing and not busy.fast_mode
    fill(client, 5)
    rush = stream.next()
    assert rush.level == common_pb2.LOAD_LEVEL_RUSH
    assert rush.pacing
    assert any(action.startswith("pacing") for action in rush.actions)
    stream.cancel()


def test_rush_paces_walk_ins_and_tells_the_customer_when(client: Client) -> None:
    # One brewer: fourteen teas are four batches, three minutes of work ahead.
    client.store.SetStaffing(
        store_pb2.SetStaffingRequest(store_id=STORE, station="tea_bar", slots=1)
    )
    fill(client, 15)
    answer = client.submit(draft(line("classic_milk_tea")))
    admission = answer.quote.admission
    assert admission.decision == orders_pb2.ADMISSION_PACED
    assert admission.hold_until_ms > 0
    assert "held before the kitchen" in admission.reason
    # The promise still stands: the ETA is after the hold, and the order is accepted.
    assert answer.quote.eta_ms > admission.hold_until_ms
    assert client.get(answer.order_id).status == common_pb2.ORDER_STATUS_ACCEPTED


def test_fast_mode_hides_slow_items_on_the_menu_and_refuses_them(client: Client) -> None:
    fill(client, 20)
    menu = client.store.GetMenu(store_pb2.GetMenuRequest(store_id=STORE))
    available = {item.sku: item.available for item in menu.items}
    assert available["fresh_grape_tea"] is False
    assert available["classic_milk_tea"] is True
    with pytest.raises(grpc.RpcError) as raised:
        client.orders.QuoteOrder(
            orders_pb2.QuoteOrderRequest(
                order=draft(line("classic_milk_tea"), line("fresh_grape_tea"))
            )
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert precondition_subjects(raised.value) == ["order.lines[1].sku"]
    details = raised.value.details() or ""
    assert "fast mode" in details and "overload" in details
    # The other store is not overloaded: it still sells fruit tea.
    other = client.submit(draft(line("fresh_grape_tea"), store_id="sh-002"))
    assert other.order_id.startswith("sh-002")


def test_channel_pause_refuses_delivery_platforms_only(client: Client) -> None:
    fill(client, 30)
    delivery = draft(
        line("classic_milk_tea"),
        channel=common_pb2.CHANNEL_MEITUAN,
        fulfillment=common_pb2.FULFILLMENT_DELIVERY,
        target_time_ms=int(time.time() * 1000) + 20 * 60_000,  # rider in 20 min
    )
    with pytest.raises(grpc.RpcError) as raised:
        client.submit(delivery)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert precondition_subjects(raised.value) == ["order.channel"]
    assert client.submit(draft(line("classic_milk_tea"))).order_id
    load = client.store.WatchLoad(store_pb2.WatchLoadRequest(store_id=STORE))
    now = next(iter(load))
    load.cancel()
    assert list(now.paused_channels) == [
        common_pb2.CHANNEL_MEITUAN,
        common_pb2.CHANNEL_ELEME,
        common_pb2.CHANNEL_OTHER_DELIVERY,
    ]


@pytest.fixture
def fast_clock_server(data_dir: Path) -> Iterator[ServerProcess]:
    # 600x: the three-minute dwell of a level passes in a third of a second of wall time.
    process = ServerProcess(data_dir, extra_args=["--time-scale", "600"])
    process.start()
    yield process
    if process.process is not None:
        process.stop()


def test_levels_fall_by_themselves_and_survive_a_crash(fast_clock_server: ServerProcess) -> None:
    client = Client.connect(fast_clock_server.target)
    stream = watch_load(client)
    assert stream.next().level == common_pb2.LOAD_LEVEL_NORMAL
    orders = fill(client, 10)
    assert stream.next().level == common_pb2.LOAD_LEVEL_BUSY
    for answer in orders:
        client.orders.CancelOrder(
            orders_pb2.CancelOrderRequest(order_id=answer.order_id, reason="test")
        )
    # Nobody lowers it by hand: the tick sees the empty kitchen once the dwell time passed.
    eased = stream.next(timeout=30)
    assert eased.level == common_pb2.LOAD_LEVEL_NORMAL
    assert eased.reason.startswith("normal: eased off busy")
    stream.cancel()
    fill(client, 10)
    before = next(iter(client.store.WatchLoad(store_pb2.WatchLoadRequest(store_id=STORE))))
    assert before.level == common_pb2.LOAD_LEVEL_BUSY
    client.close()
    fast_clock_server.kill()
    fast_clock_server.start()
    client = Client.connect(fast_clock_server.target)
    after = next(iter(client.store.WatchLoad(store_pb2.WatchLoadRequest(store_id=STORE))))
    client.close()
    assert (after.level, after.reason, after.since_ms) == (
        before.level,
        before.reason,
        before.since_ms,
    )


def test_update_target_replans_a_delivery_for_a_later_rider(client: Client) -> None:
    rider = int(time.time() * 1000) + 15 * 60_000
    answer = client.submit(
        draft(
            line("classic_milk_tea"),
            channel=common_pb2.CHANNEL_MEITUAN,
            fulfillment=common_pb2.FULFILLMENT_DELIVERY,
            target_time_ms=rider,
        )
    )
    before = client.get(answer.order_id)
    later = client.orders.UpdateTarget(
        orders_pb2.UpdateTargetRequest(order_id=answer.order_id, target_time_ms=rider + 240_000)
    )
    assert later.version == before.version + 1
    assert later.target_time_ms == rider + 240_000
    # Later for a rider four minutes later, but only as far as freshness needs (due 180 s
    # before the new arrival instead of 45 s before the first: 240 - 135 = 105 s), give or take
    # the clock between the two calls.
    assert 95_000 <= later.eta_ms - before.eta_ms <= 115_000
    with pytest.raises(grpc.RpcError) as raised:
        client.orders.UpdateTarget(
            orders_pb2.UpdateTargetRequest(order_id=answer.order_id, target_time_ms=1)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["target_time_ms"]
    asap = client.submit(draft(line("classic_milk_tea")))
    with pytest.raises(grpc.RpcError) as raised:
        client.orders.UpdateTarget(
            orders_pb2.UpdateTargetRequest(order_id=asap.order_id, target_time_ms=rider)
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
