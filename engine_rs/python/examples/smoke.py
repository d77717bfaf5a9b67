"""Smoke test of the native module alone (no service): submit -> tickets -> bump chain -> READY,
then replay the outcomes' records into a fresh engine and compare state hashes.

Run after `make setup`:  .venv/bin/python engine_rs/python/examples/smoke.py
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pyengine._native as native
from pyengine.v1 import common_pb2 as c
from pyengine.v1 import kitchen_pb2 as k
from pyengine.v1 import orders_pb2 as o

SHOP = Path(__file__).resolve().parents[3] / "pyengine" / "data" / "sample_shop.toml"
T0 = 1_750_000_000_000


def main() -> None:
    shop_json = json.dumps(tomllib.loads(SHOP.read_text()))
    engine = native.Engine(shop_json)
    records: list[bytes] = []

    draft = o.OrderDraft(
        store_id="sh-001",
        channel=c.CHANNEL_MEITUAN,
        channel_order_id="mt-1",
        fulfillment=c.FULFILLMENT_DELIVERY,
        target_time_ms=T0 + 600_000,
        lines=[
            o.OrderLine(sku="classic_milk_tea", quantity=2, modifiers=["large", "pearls"]),
            o.OrderLine(sku="mango_smoothie", quantity=1),
        ],
    )
    request = o.SubmitOrderRequest(order=draft).SerializeToString()
    out = engine.submit_order(request, T0)
    records += [event[3] for event in out.events]
    answer = o.SubmitOrderResponse.FromString(out.response)
    print(f"submitted {answer.order_id} {answer.pickup_no}: total {answer.quote.total_minor}, "
          f"prep {answer.quote.prep_s} s")
    added = {station for _, station, _, _ in out.ticket_events}
    assert "tea_bar" in added, added

    replay = engine.submit_order(request, T0 + 1)
    assert replay.replayed and replay.response == out.response and replay.lsn == out.lsn

    now = T0
    order_req = o.GetOrderRequest(order_id=answer.order_id).SerializeToString()
    while True:
        order = o.Order.FromString(engine.get_order(order_req, now))
        if order.status == c.ORDER_STATUS_READY:
            break
        for ticket in order.tickets:
            if ticket.state == c.TICKET_STATE_QUEUED:
                now += 20_000
                bump = k.TicketActionRequest(ticket_id=ticket.ticket_id).SerializeToString()
                result = engine.bump_ticket(bump, now)
                records += [event[3] for event in result.events]
                kinds = [
                    (station, seq, k.TicketEventKind.Name(k.TicketEvent.FromString(b).kind))
                    for _, station, seq, b in result.ticket_events
                ]
                print(f"bumped {ticket.ticket_id}: {kinds}")
    print(f"READY at +{(order.ready_at_ms - T0) // 1000} s, version {order.version}")

    fresh = native.Engine(shop_json)
    for record in records:
        fresh.apply(record)
    assert fresh.state_hash() == engine.state_hash()
    assert fresh.last_lsn == engine.last_lsn
    print(f"replayed {len(records)} records: state hash {fresh.state_hash()[:16]}... matches")


if __name__ == "__main__":
    main()
