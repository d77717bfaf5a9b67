"""Deterministic pricing workloads for the benchmarks: carts and realistic promotion mixes in the
JSON form of docs/promotions.md."""

from __future__ import annotations

import random
from typing import Any

MENU = [
    # sku, category, item price (fen)
    ("classic_milk_tea", "milk_tea", 1500),
    ("jasmine_milk_green", "milk_tea", 1600),
    ("brown_sugar_boba_milk", "milk_tea", 1900),
    ("fresh_grape_tea", "fruit_tea", 2200),
    ("fresh_orange_tea", "fruit_tea", 1900),
    ("lemon_black_tea", "fruit_tea", 1200),
    ("mango_smoothie", "smoothie", 2300),
    ("strawberry_cheese_smoothie", "smoothie", 2800),
    ("americano", "coffee", 1800),
    ("latte", "coffee", 2400),
    ("egg_waffle", "snack", 1400),
    ("mochi", "snack", 1000),
]
# A realistic menu: 48 items in 8 categories (a chain's full board), as opposed to MENU's 12 items,
# on which every line competes with a third of the promotions (the dense stress case).
WIDE_MENU = [
    (f"{category}_{i:02d}", category, base + (i % 4) * 200)
    for category, base in [
        ("milk_tea", 1500),
        ("fruit_tea", 1600),
        ("cheese_foam", 2200),
        ("coffee", 1600),
        ("pure_tea", 1000),
        ("smoothie", 1900),
        ("snack", 600),
        ("bread", 900),
    ]
    for i in range(6)
]
CATEGORIES = sorted({category for _, category, _ in MENU})
CHANNELS = ["COUNTER", "KIOSK", "TABLE_QR", "MINI_PROGRAM", "MEITUAN", "ELEME"]
SHOP = {
    "utc_offset_minutes": 480,
    "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50},
}
NOW_MS = 1_782_889_200_000  # a Wednesday, 15:00 in Shanghai


def cart(
    lines: int, seed: int, max_quantity: int = 3, menu: list[tuple[str, str, int]] = MENU
) -> dict[str, Any]:
    rng = random.Random(seed)
    chosen = rng.sample(menu, lines) if lines <= len(menu) else rng.choices(menu, k=lines)
    return {
        "lines": [
            {
                "line_no": n,
                "sku": sku,
                "category": category,
                "quantity": rng.randint(1, max_quantity),
                "item_price_minor": price,
                "modifiers_price_minor": rng.choice([0, 0, 200, 300, 500]),
            }
            for n, (sku, category, price) in enumerate(chosen)
        ],
        "context": {
            "now_ms": NOW_MS,
            "store_id": "sh-001",
            "channel": "MINI_PROGRAM",
            "member_tier": "gold",
            "first_order": False,
            "wallet": [
                {
                    "coupon_id": "c1",
                    "promotion_id": "p003",
                    "valid_from_ms": 0,
                    "valid_to_ms": NOW_MS * 2,
                },
            ],
            "remaining_uses": {},
            "points_balance": 800,
            "points_to_redeem": 300,
        },
    }


def _scope(rng: random.Random, menu: list[tuple[str, str, int]]) -> dict[str, list[str]]:
    categories = sorted({category for _, category, _ in menu})
    if rng.random() < 0.5:
        return {"categories": rng.sample(categories, rng.randint(1, 2))}
    return {"skus": [sku for sku, _, _ in rng.sample(menu, rng.randint(1, 3))]}


def _conditions(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.15:
        return {"channels": rng.sample(CHANNELS, 2)}
    if roll < 0.25:
        return {"time_windows": [{"start": "14:00", "end": "17:00"}]}
    if roll < 0.35:
        return {"member_tiers": ["gold"]}
    if roll < 0.40:
        return {"coupon": True}
    return {}


def promotion(i: int, rng: random.Random, menu: list[tuple[str, str, int]]) -> dict[str, Any]:
    common: dict[str, Any] = {
        "id": f"p{i:03d}",
        "name": f"promotion {i}",
        "priority": rng.choice([10, 50, 100, 100, 200]),
        "conditions": _conditions(rng),
    }
    if rng.random() < 0.2:
        common["group"] = rng.choice(["threshold", "member", "coupon", "weekday"])
    if rng.random() < 0.03:
        common["exclusive"] = True
    kind = rng.choices(
        [
            "percent_item",
            "amount_item",
            "nth_unit",
            "bxgy",
            "combo",
            "tier_price",
            "tiers",
            "every",
            "percent_order",
        ],
        weights=[25, 10, 15, 10, 8, 7, 12, 8, 5],
    )[0]
    if kind == "percent_item":
        extra = {
            "kind": "percent_off",
            "level": "item",
            "percent": rng.choice([10, 15, 20, 30]),
            "scope": _scope(rng, menu),
            "stackable": rng.random() < 0.3,
        }
    elif kind == "amount_item":
        extra = {
            "kind": "amount_off",
            "level": "item",
            "amount_minor": rng.choice([100, 200, 300]),
            "scope": _scope(rng, menu),
        }
    elif kind == "nth_unit":
        extra = {
            "kind": "nth_unit",
            "n": rng.choice([2, 3]),
            "percent": rng.choice([50, 100]),
            "discount_on": rng.choice(["cheaper", "dearer"]),
            "scope": _scope(rng, menu),
        }
    elif kind == "bxgy":
        extra = {
            "kind": "buy_x_get_y",
            "buy": {**_scope(rng, menu), "quantity": rng.randint(1, 2)},
            "get": {**_scope(rng, menu), "quantity": 1},
            "percent": rng.choice([50, 100]),
        }
    elif kind == "combo":
        a, b = rng.sample(sorted({category for _, category, _ in menu}), 2)
        extra = {
            "kind": "combo",
            "price_minor": rng.choice([2800, 3000, 3600]),
            "slots": [{"categories": [a], "quantity": 1}, {"categories": [b], "quantity": 1}],
        }
    elif kind == "tier_price":
        sku, _, price = rng.choice(menu)
        extra = {"kind": "tier_price", "prices": {sku: price - rng.choice([100, 200, 300])}}
    elif kind == "tiers":
        low = rng.choice([2000, 3000, 4000])
        extra = {
            "kind": "threshold_tiers",
            "tiers": [
                {"threshold_minor": low, "amount_minor": low // 6},
                {"threshold_minor": low * 2, "amount_minor": low // 2},
            ],
        }
    elif kind == "every":
        extra = {
            "kind": "every_x_off_y",
            "every_minor": rng.choice([3000, 5000]),
            "amount_minor": rng.choice([300, 500]),
            "cap_minor": 1500,
        }
    else:
        extra = {"kind": "percent_off", "level": "order", "percent": rng.choice([5, 10, 12])}
    return {**common, **extra}


def promotions(
    count: int, seed: int, menu: list[tuple[str, str, int]] = MENU
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [promotion(i, rng, menu) for i in range(count)]
