"""Promotions through the real server: QuoteOrder and SubmitOrder price with the active
promotions exactly as the reference oracle does, managers change them live through
PromotionService, budgets hold across restarts, and `pyengine quote` explains a cart locally."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from pyengine import promotions_reference, shop
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, orders_pb2, promotions_pb2, promotions_pb2_grpc, store_pb2
from tests.support import Client, draft, field_violations, line

ROOT = Path(__file__).resolve().parent.parent


def sample_pricing() -> dict[str, Any]:
    with shop.sample_shop_path().open("rb") as f:
        pricing: dict[str, Any] = tomllib.load(f)["pricing"]
    return pricing


def oracle_answer(
    client: Client,
    order: orders_pb2.OrderDraft,
    now_ms: int,
    promotions: list[dict[str, Any]],
    remaining_uses: dict[str, int] | None = None,
) -> dict[str, Any]:
    """What the reference implementation says the order costs, from the live menu."""
    menu = client.store.GetMenu(store_pb2.GetMenuRequest(store_id=order.store_id))
    items = {item.sku: item for item in menu.items}
    lines = []
    for line_no, order_line in enumerate(order.lines):
        item = items[order_line.sku]
        prices = {m.code: m.price_minor for m in item.modifiers}
        lines.append(
            {
                "line_no": line_no,
                "sku": item.sku,
                "category": item.category,
                "quantity": order_line.quantity,
                "item_price_minor": item.price_minor,
                "modifiers_price_minor": sum(prices[m] for m in order_line.modifiers),
            }
        )
    member = order.member
    context = {
        "now_ms": now_ms,
        "store_id": order.store_id,
        "channel": common_pb2.Channel.Name(order.channel).removeprefix("CHANNEL_"),
        "member_tier": member.tier or None,
        "first_order": member.first_order,
        "wallet": [
            {
                "coupon_id": c.coupon_id,
                "promotion_id": c.promotion_id,
                "valid_from_ms": c.valid_from_ms,
                "valid_to_ms": c.valid_to_ms,
            }
            for c in member.wallet
        ],
        "remaining_uses": remaining_uses or {},
        "points_balance": member.points_balance,
        "points_to_redeem": order.points_to_redeem,
    }
    return promotions_reference.price(
        sample_pricing(), promotions, {"lines": lines, "context": context}
    )


def sample_promotions() -> list[dict[str, Any]]:
    return [json.loads(d) for d in shop.load_promotions()]


def assert_quote_matches(quote: orders_pb2.Quote, expected: dict[str, Any]) -> None:
    assert [
        (pl.line_no, pl.gross_minor, pl.discount_minor, pl.net_minor) for pl in quote.lines
    ] == [
        (el["line_no"], el["gross_minor"], el["discount_minor"], el["net_minor"])
        for el in expected["lines"]
    ]
    assert quote.subtotal_minor == expected["subtotal_minor"]
    assert quote.discount_minor == expected["discount_minor"]
    assert quote.total_minor == expected["total_minor"]
    assert (quote.points_used, quote.points_value_minor) == (
        expected["points_used"],
        expected["points_value_minor"],
    )
    assert [(p.id, p.amount_minor) for p in quote.promotions] == [
        (p["id"], p["amount_minor"]) for p in expected["applied"]
    ]
    assert [(n.id, n.add_minor, n.extra_discount_minor) for n in quote.near_misses] == [
        (n["id"], n["add_minor"], n["extra_discount_minor"]) for n in expected["near_misses"]
    ]


def promotions_stub(client: Client) -> promotions_pb2_grpc.PromotionServiceStub:
    return promotions_pb2_grpc.PromotionServiceStub(client.channel)


CARTS = [
    [line("classic_milk_tea", 2, "large", "pearls"), line("mango_smoothie", 1)],
    [line("classic_milk_tea", 1), line("jasmine_milk_green", 1), line("lemon_black_tea", 3)],
    [line("fresh_grape_tea", 2, "less_ice"), line("strawberry_cheese_smoothie", 1)],
    [line("lemon_black_tea", 1)],
]


@pytest.mark.parametrize("cart", range(len(CARTS)))
def test_submitted_orders_are_priced_as_the_oracle_prices_them(client: Client, cart: int) -> None:
    order = draft(*CARTS[cart], channel=common_pb2.CHANNEL_MEITUAN)
    order.fulfillment = common_pb2.FULFILLMENT_ASAP
    order.member.tier = "gold"
    order.member.points_balance = 1000
    order.points_to_redeem = 400
    answer = client.submit(order)
    expected = oracle_answer(client, order, answer.accepted_at_ms, sample_promotions())
    assert_quote_matches(answer.quote, expected)
    assert answer.quote.total_minor == sum(pl.net_minor for pl in answer.quote.lines)


def test_a_manager_switches_a_promotion_off_and_it_stays_off(server: ServerProcess) -> None:
    client = Client.connect(server.target)
    stub = promotions_stub(client)
    ids = {p.id for p in stub.ListPromotions(promotions_pb2.ListPromotionsRequest()).promotions}
    assert ids == {p["id"] for p in sample_promotions()}
    order = draft(line("classic_milk_tea", 2))
    before = client.orders.QuoteOrder(orders_pb2.QuoteOrderRequest(order=order)).quote
    assert "second-cup-half" in [p.id for p in before.promotions]

    off = stub.SetPromotionEnabled(
        promotions_pb2.SetPromotionEnabledRequest(id="second-cup-half", enabled=False)
    )
    assert not off.enabled
    after = client.orders.QuoteOrder(orders_pb2.QuoteOrderRequest(order=order)).quote
    assert "second-cup-half" not in [p.id for p in after.promotions]
    assert after.total_minor > before.total_minor
    client.close()

    server.stop()
    server.start()  # the sample promotions are seeded again: a known id must not come back on
    client = Client.connect(server.target)
    again = client.orders.QuoteOrder(orders_pb2.QuoteOrderRequest(order=order)).quote
    assert again.total_minor == after.total_minor
    client.close()


def test_a_budget_of_one_use_is_spent_once_even_across_a_restart(server: ServerProcess) -> None:
    client = Client.connect(server.target)
    stub = promotions_stub(client)
    flash = {
        "id": "flash-5",
        "name": "限量立减5元",
        "kind": "amount_off",
        "level": "order",
        "amount_minor": 500,
        "max_uses": 1,
    }
    stub.PutPromotion(promotions_pb2.PutPromotionRequest(definition_json=json.dumps(flash)))
    first = client.submit(draft(line("lemon_black_tea")))
    assert "flash-5" in [p.id for p in first.quote.promotions]
    client.close()
    server.kill()
    server.start()
    client = Client.connect(server.target)
    listed = promotions_stub(client).ListPromotions(promotions_pb2.ListPromotionsRequest())
    assert {p.id: p.uses for p in listed.promotions}["flash-5"] == 1
    second = client.submit(draft(line("lemon_black_tea")))
    assert "flash-5" not in [p.id for p in second.quote.promotions]
    dry = promotions_stub(client).DryRun(
        promotions_pb2.DryRunRequest(order=draft(line("lemon_black_tea")))
    )
    assert {n.id: n.reason for n in dry.not_applied}["flash-5"] == "no_uses_left"
    client.close()


def test_an_invalid_definition_is_refused_naming_the_field(client: Client) -> None:
    bad = {
        "id": "broken",
        "name": "x",
        "kind": "threshold_tiers",
        "tiers": [{"threshold_minor": 3000, "amount_minor": -5}],
    }
    with pytest.raises(grpc.RpcError) as failure:
        promotions_stub(client).PutPromotion(
            promotions_pb2.PutPromotionRequest(definition_json=json.dumps(bad))
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(failure.value) == ["tiers[0].amount_minor"]
    with pytest.raises(grpc.RpcError) as failure:
        promotions_stub(client).PutPromotion(
            promotions_pb2.PutPromotionRequest(definition_json="{not json")
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_replay_keeps_the_first_price_after_promotions_change(client: Client) -> None:
    order = draft(line("classic_milk_tea", 2))
    first = client.submit(order)
    promotions_stub(client).SetPromotionEnabled(
        promotions_pb2.SetPromotionEnabledRequest(id="second-cup-half", enabled=False)
    )
    assert client.submit(order) == first


def test_dry_run_explains_every_promotion(client: Client) -> None:
    order = draft(line("lemon_black_tea", 2))
    dry = promotions_stub(client).DryRun(promotions_pb2.DryRunRequest(order=order))
    explained = {p.id for p in dry.quote.promotions} | {n.id for n in dry.not_applied}
    assert explained == {p["id"] for p in sample_promotions()}
    reasons = {n.id: n.reason for n in dry.not_applied}
    assert reasons["gold-tier-10"] == "member_tier"
    assert reasons["welcome-coupon"] in {"coupon_missing", "first_order_only"}
    assert all(n.explanation for n in dry.not_applied)
    assert dry.exact


def test_quote_command_explains_a_cart_locally(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pyengine", "quote", str(ROOT / "examples" / "cart.json"),
         "--at", "2026-07-01T15:00+08:00"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = json_format.Parse(result.stdout, promotions_pb2.PriceBreakdown())
    quote = printed.quote
    assert quote.total_minor == sum(pl.net_minor for pl in quote.lines)
    assert quote.discount_minor > 0
    # A Wednesday at 15:00 in Shanghai: the afternoon fruit-tea promotion is in its window.
    assert "afternoon-fruit-20" in [p.id for p in quote.promotions]
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"order": {"store_id": "sh-001", "channel": "CHANNEL_KIOSK",'
        ' "lines": [{"sku": "nope", "quantity": 1}]}}'
    )
    result = subprocess.run(
        [sys.executable, "-m", "pyengine", "quote", str(bad)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "order.lines[0].sku" in result.stderr
