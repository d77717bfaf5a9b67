"""The whole path through a real server: submit -> tickets on the right stations -> start/bump ->
READY seen by WatchOrder; quotes commit nothing; cancel voids the tickets on the screens."""

from __future__ import annotations

from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2, store_pb2
from tests.support import (
    STORE,
    Client,
    Stream,
    draft,
    event_count,
    line,
    ticket_stream,
)


def menu_prices(client: Client) -> tuple[dict[str, int], dict[str, int]]:
    menu = client.store.GetMenu(store_pb2.GetMenuRequest(store_id=STORE))
    items = {item.sku: item.price_minor for item in menu.items}
    modifiers = {m.code: m.price_minor for item in menu.items for m in item.modifiers}
    return items, modifiers


def test_submit_prices_each_line_from_the_menu(client: Client) -> None:
    items, modifiers = menu_prices(client)
    answer = client.submit(
        draft(
            line("classic_milk_tea", 2, "large", "pearls"),
            line("mango_smoothie", 1),
        )
    )
    tea_unit = items["classic_milk_tea"] + modifiers["large"] + modifiers["pearls"]
    quote = answer.quote
    assert [(pl.sku, pl.unit_price_minor, pl.gross_minor) for pl in quote.lines] == [
        ("classic_milk_tea", tea_unit, 2 * tea_unit),
        ("mango_smoothie", items["mango_smoothie"], items["mango_smoothie"]),
    ]
    assert quote.subtotal_minor == 2 * tea_unit + items["mango_smoothie"]
    # The sample promotions discount it (their exact arithmetic: test_promotions_service.py).
    assert quote.total_minor == sum(pl.net_minor for pl in quote.lines)
    assert quote.subtotal_minor - quote.discount_minor == quote.total_minor
    assert sum(p.amount_minor for p in quote.promotions) + quote.points_value_minor == (
        quote.discount_minor
    )
    assert answer.status == common_pb2.ORDER_STATUS_ACCEPTED
    assert answer.order_id and answer.pickup_no
    assert quote.eta_ms > answer.accepted_at_ms
    assert quote.prep_s > 0


def test_ticket_flows_station_by_station_until_ready(client: Client) -> None:
    tea_bar = ticket_stream(client, "tea_bar")
    shaker = ticket_stream(client, "shaker")
    sealer = ticket_stream(client, "sealer")
    answer = client.submit(draft(line("classic_milk_tea", 1, "less_ice")))
    watch = Stream(client.orders.WatchOrder(orders_pb2.WatchOrderRequest(order_id=answer.order_id)))
    assert watch.next().status == common_pb2.ORDER_STATUS_ACCEPTED

    added = tea_bar.next()
    assert added.kind == kitchen_pb2.TICKET_EVENT_KIND_ADDED
    assert added.seq == 1
    assert added.ticket.ticket_id == f"{answer.order_id}/tea_bar"
    assert [(i.sku, i.quantity, list(i.modifiers)) for i in added.ticket.items] == [
        ("classic_milk_tea", 1, ["less_ice"])
    ]

    client.act("Start", added.ticket.ticket_id)
    assert tea_bar.next().kind == kitchen_pb2.TICKET_EVENT_KIND_STARTED
    assert watch.next().status == common_pb2.ORDER_STATUS_IN_PROGRESS

    # The shaker sees the drink only once the tea bar is done with it.
    client.act("Bump", added.ticket.ticket_id)
    assert tea_bar.next().kind == kitchen_pb2.TICKET_EVENT_KIND_BUMPED
    shaken = shaker.next()
    assert (shaken.kind, shaken.ticket.ticket_id) == (
        kitchen_pb2.TICKET_EVENT_KIND_ADDED,
        f"{answer.order_id}/shaker",
    )
    client.act("Bump", shaken.ticket.ticket_id)
    sealed = sealer.next()
    assert sealed.kind == kitchen_pb2.TICKET_EVENT_KIND_ADDED
    done = client.act("Bump", sealed.ticket.ticket_id)
    assert done.state == common_pb2.TICKET_STATE_DONE

    updates = watch.until(lambda o: o.status == common_pb2.ORDER_STATUS_READY)
    ready = updates[-1]
    assert ready.ready_at_ms >= ready.accepted_at_ms
    assert all(t.state == common_pb2.TICKET_STATE_DONE for t in ready.tickets)
    assert isinstance(watch.end(), StopIteration), "WatchOrder ends once the order is READY"
    versions = [o.version for o in updates]
    assert versions == sorted(versions)
    for stream in (tea_bar, shaker, sealer):
        stream.cancel()


def test_tickets_go_only_to_stations_of_the_recipe(client: Client) -> None:
    fruit = ticket_stream(client, "fruit_prep")
    blender = ticket_stream(client, "blender")
    tea_bar = ticket_stream(client, "tea_bar")
    answer = client.submit(draft(line("mango_smoothie", 2), line("classic_milk_tea", 1)))
    order = client.get(answer.order_id)
    stations = sorted(t.station for t in order.tickets)
    assert stations == ["blender", "fruit_prep", "sealer", "shaker", "tea_bar"]
    # Both first steps are on screens at once; the blender waits for the mango.
    assert fruit.next().ticket.ticket_id == f"{answer.order_id}/fruit_prep"
    assert tea_bar.next().ticket.ticket_id == f"{answer.order_id}/tea_bar"
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="blender")
    )
    assert list(board.queue) == []
    client.act("Bump", f"{answer.order_id}/fruit_prep")
    blend = blender.next()
    assert [(i.sku, i.quantity) for i in blend.ticket.items] == [("mango_smoothie", 2)]
    for stream in (fruit, blender, tea_bar):
        stream.cancel()


def test_delivery_orders_converge_on_pack(client: Client) -> None:
    import time

    rider = int(time.time() * 1000) + 20 * 60_000
    answer = client.submit(
        draft(
            line("lemon_black_tea", 1),
            channel=common_pb2.CHANNEL_MEITUAN,
            fulfillment=common_pb2.FULFILLMENT_DELIVERY,
            target_time_ms=rider,
        )
    )
    order = client.get(answer.order_id)
    states = {t.station: t.state for t in order.tickets}
    assert states["pack"] == common_pb2.TICKET_STATE_WAITING
    for station in ("tea_bar", "shaker", "sealer"):
        client.act("Bump", f"{answer.order_id}/{station}")
    order = client.get(answer.order_id)
    assert {t.station: t.state for t in order.tickets}["pack"] == common_pb2.TICKET_STATE_QUEUED
    assert order.status == common_pb2.ORDER_STATUS_IN_PROGRESS
    client.act("Bump", f"{answer.order_id}/pack")
    assert client.get(answer.order_id).status == common_pb2.ORDER_STATUS_READY


def test_board_counts_all_day_units(client: Client) -> None:
    client.submit(draft(line("classic_milk_tea", 3)))
    client.submit(draft(line("classic_milk_tea", 2), line("lemon_black_tea", 1)))
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="tea_bar")
    )
    counts = {c.sku: c.quantity for c in board.all_day}
    assert counts == {"classic_milk_tea": 5, "lemon_black_tea": 1}
    assert len(board.queue) == 2
    assert board.last_seq == 2
    assert board.slots == 3


def test_quote_commits_nothing(client: Client, data_dir) -> None:  # type: ignore[no-untyped-def]
    before = event_count(data_dir)
    quote = client.orders.QuoteOrder(
        orders_pb2.QuoteOrderRequest(order=draft(line("fresh_grape_tea", 2)))
    ).quote
    assert quote.total_minor > 0 and quote.eta_ms > 0
    assert event_count(data_dir) == before
    board = client.kitchen.GetStationBoard(
        kitchen_pb2.GetStationBoardRequest(store_id=STORE, station="fruit_prep")
    )
    assert board.last_seq == 0


def test_quote_grows_with_the_queue_ahead(client: Client) -> None:
    request = orders_pb2.QuoteOrderRequest(order=draft(line("classic_milk_tea", 1)))
    empty = client.orders.QuoteOrder(request).quote
    answers = [client.submit(draft(line("classic_milk_tea", 4))) for _ in range(6)]
    # GetOrder says how many cups are ahead of each accepted order, as planned now.
    ahead = [client.get(a.order_id).cups_ahead for a in answers]
    assert ahead[0] == 0
    assert ahead == sorted(ahead) and ahead[-1] >= 4
    busy = client.orders.QuoteOrder(request).quote
    # Cups ahead are those of the orders planned to be ready first: a single cup may pass the
    # last of six four-cup orders at the one sealer, never the first ones.
    assert 4 <= busy.cups_ahead <= 24
    assert busy.cups_ahead % 4 == 0
    assert empty.cups_ahead == 0
    assert busy.prep_s > empty.prep_s


def test_cancel_voids_tickets_on_the_screens(client: Client) -> None:
    tea_bar = ticket_stream(client, "tea_bar")
    answer = client.submit(draft(line("classic_milk_tea", 1)))
    assert tea_bar.next().kind == kitchen_pb2.TICKET_EVENT_KIND_ADDED
    cancelled = client.orders.CancelOrder(
        orders_pb2.CancelOrderRequest(order_id=answer.order_id, reason="customer left")
    )
    assert cancelled.status == common_pb2.ORDER_STATUS_CANCELLED
    assert cancelled.cancel_reason == "customer left"
    voided = tea_bar.next()
    assert voided.kind == kitchen_pb2.TICKET_EVENT_KIND_VOIDED
    assert voided.ticket.ticket_id == f"{answer.order_id}/tea_bar"
    # Cancelling again changes nothing and is not an error.
    again = client.orders.CancelOrder(orders_pb2.CancelOrderRequest(order_id=answer.order_id))
    assert again.version == cancelled.version
    tea_bar.cancel()
