"""Worked examples of the promotions contract (docs/promotions.md), from real bubble-tea shops.

Each example spells out its arithmetic in fen (1500 = 15.00). The same table runs through the
plain-Python oracle (`pyengine.promotions_reference`) and through the Rust calculator
(`pyengine._native.PriceCalculator`, built by `make setup`; these tests never skip it); for the
latter the whole answer must also equal the oracle's (explanations aside, they are free text).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pyengine import _native
from pyengine import promotions_reference as reference

Json = dict[str, Any]
Calculator = Callable[[Json, list[Json], Json], Json]

SHOP: Json = {
    "utc_offset_minutes": 480,
    "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50},
}
SHANGHAI = timezone(timedelta(hours=8))
MONDAY_1530 = 1_795_419_000_000  # 2026-11-23 15:30 in Shanghai (a Monday)

# The menu of pyengine/data/sample_shop.toml (plus an egg tart), in fen.
MENU = {
    "classic_milk_tea": ("milk_tea", 1500),
    "jasmine_milk_green": ("milk_tea", 1600),
    "brown_sugar_boba_milk": ("milk_tea", 1900),
    "fresh_grape_tea": ("fruit_tea", 2200),
    "lemon_black_tea": ("fruit_tea", 1200),
    "mango_smoothie": ("smoothie", 2300),
    "strawberry_cheese_smoothie": ("smoothie", 2800),
    "egg_tart": ("snack", 900),
}


SAMPLE_PROMOTIONS: list[Json] = tomllib.loads(
    (Path(__file__).parent.parent / "pyengine/data/sample_promotions.toml").read_text()
)["promotions"]


def rust_price(shop: Json, promotions: list[Json], cart: Json) -> Json:
    calculator = _native.PriceCalculator(json.dumps(shop), json.dumps(promotions))
    answer: Json = json.loads(calculator.price(json.dumps(cart)))
    return answer


def without_explanations(value: Any) -> Any:
    """The answer without its free-text explanations (the only part not compared)."""
    if isinstance(value, dict):
        return {k: without_explanations(v) for k, v in value.items() if k != "explanation"}
    if isinstance(value, list):
        return [without_explanations(v) for v in value]
    return value


def local_ms(*when: int) -> int:
    """Epoch ms of a wall-clock time in Shanghai (UTC+8)."""
    return int(datetime(*when, tzinfo=SHANGHAI).timestamp()) * 1000  # type: ignore[misc]


def line(line_no: int, sku: str, quantity: int = 1, modifiers: int = 0) -> Json:
    category, price = MENU[sku]
    return {
        "line_no": line_no,
        "sku": sku,
        "category": category,
        "quantity": quantity,
        "item_price_minor": price,
        "modifiers_price_minor": modifiers,
    }


def cart(*lines: Json, **context: Any) -> Json:
    ctx: Json = {
        "now_ms": MONDAY_1530,
        "store_id": "sh-001",
        "channel": "COUNTER",
        "member_tier": None,
        "first_order": False,
        "wallet": [],
        "remaining_uses": {},
        "points_balance": 0,
        "points_to_redeem": 0,
    }
    ctx.update(context)
    return {"lines": list(lines), "context": ctx}


def promo(promotion_id: str, name: str, kind: str, **fields: Any) -> Json:
    return {"id": promotion_id, "name": name, "kind": kind, **fields}


MK_TIERS = promo(
    "mk-tiers",
    "满30减5 / 满50减12",
    "threshold_tiers",
    tiers=[
        {"threshold_minor": 3000, "amount_minor": 500},
        {"threshold_minor": 5000, "amount_minor": 1200},
    ],
)
MK30 = promo(
    "mk30-5", "满30减5", "threshold_tiers", tiers=[{"threshold_minor": 3000, "amount_minor": 500}]
)
EVERY30 = promo(
    "every30-5",
    "每满30减5, 最多减10",
    "every_x_off_y",
    every_minor=3000,
    amount_minor=500,
    cap_minor=1000,
)
SECOND_HALF = promo("second-half", "第二杯半价", "nth_unit", n=2, percent=50, discount_on="cheaper")
SECOND_HALF_DEARER = promo(
    "second-half-dearer", "第二杯半价(贵的)", "nth_unit", n=2, percent=50, discount_on="dearer"
)
BOGO = promo(
    "bogo-classic",
    "经典奶茶买一送一",
    "buy_x_get_y",
    buy={"skus": ["classic_milk_tea"], "quantity": 1},
    get={"skus": ["classic_milk_tea"], "quantity": 1},
    percent=100,
)
SMOOTHIE_LEMON = promo(
    "smoothie-lemon",
    "买冰沙送柠檬红茶",
    "buy_x_get_y",
    buy={"categories": ["smoothie"], "quantity": 1},
    get={"skus": ["lemon_black_tea"], "quantity": 1},
    percent=100,
)
COMBO = promo(
    "combo-30",
    "任意奶茶+任意果茶=30元",
    "combo",
    slots=[
        {"categories": ["milk_tea"], "quantity": 1},
        {"categories": ["fruit_tea"], "quantity": 1},
    ],
    price_minor=3000,
)
GOLD_PRICE = promo(
    "gold-price",
    "金卡会员价",
    "tier_price",
    prices={"classic_milk_tea": 1300, "brown_sugar_boba_milk": 1600},
    conditions={"member_tiers": ["gold"]},
)
COUPON_5 = promo(
    "coupon-5",
    "5元无门槛券",
    "amount_off",
    level="order",
    amount_minor=500,
    conditions={"coupon": True},
)
HAPPY_HOUR = promo(
    "happy-hour",
    "下午茶8折",
    "percent_off",
    level="item",
    percent=20,
    conditions={"time_windows": [{"start": "14:00", "end": "17:00"}]},
)
LATE_NIGHT = promo(
    "late-night",
    "夜宵9折",
    "percent_off",
    level="item",
    percent=10,
    conditions={"time_windows": [{"start": "22:00", "end": "02:00"}]},
)
WEEKEND = promo(
    "weekend",
    "周末饮品减2元",
    "amount_off",
    level="item",
    amount_minor=200,
    conditions={"weekdays": [6, 7]},
)
MEMBER_95 = promo(
    "member-95", "会员95折(可叠加)", "percent_off", level="item", percent=5, stackable=True
)


def newcomer(amount: int) -> Json:
    name = f"新客立减{amount // 100}元(不与其他优惠同享)"
    return promo("newcomer", name, "amount_off", level="order", amount_minor=amount, exclusive=True)


def wallet_coupon(promotion_id: str, valid_from: int, valid_to: int) -> Json:
    return {
        "coupon_id": "c-1",
        "promotion_id": promotion_id,
        "valid_from_ms": valid_from,
        "valid_to_ms": valid_to,
    }


@dataclass(frozen=True)
class Expect:
    total: int
    nets: list[int]
    applied: list[tuple[str, int]] = field(default_factory=list)  # in application order
    applied_lines: dict[str, dict[int, int]] = field(default_factory=dict)  # id -> line -> amount
    not_applied: dict[str, str] = field(default_factory=dict)  # id -> reason
    near_misses: list[tuple[str, int, int]] = field(default_factory=list)  # id, add, extra
    points: tuple[int, int] = (0, 0)  # used, value


@dataclass(frozen=True)
class Example:
    name: str
    promotions: list[Json]
    cart: Json
    expect: Expect
    shop: Json = field(default_factory=lambda: SHOP)


EXAMPLES = [
    # 满30减5 / 满50减12. 2 x 16.00 = 32.00 >= 30.00: 5.00 off -> 27.00. The next tier, 50.00, is
    # 18.00 away and worth 12.00 - 5.00 = 7.00 more.
    Example(
        "tiers: first tier, next tier as a near miss",
        [MK_TIERS],
        cart(line(0, "jasmine_milk_green", 2)),
        Expect(2700, [2700], [("mk-tiers", 500)], near_misses=[("mk-tiers", 1800, 700)]),
    ),
    # 15.00 + 19.00 + 22.00 = 56.00 >= 50.00: 12.00 off, split by net 1500:1900:2200 (W 5600):
    # 1200*1500/5600 = 321 r 2400, 1200*1900/5600 = 407 r 800, 1200*2200/5600 = 471 r 2400;
    # 1 fen left goes to the largest remainder, the 2400 tie to the lower line: 322, 407, 471.
    Example(
        "tiers: top tier split by largest remainder",
        [MK_TIERS],
        cart(
            line(0, "classic_milk_tea"),
            line(1, "brown_sugar_boba_milk"),
            line(2, "fresh_grape_tea"),
        ),
        Expect(
            4400, [1178, 1493, 1729], [("mk-tiers", 1200)], {"mk-tiers": {0: 322, 1: 407, 2: 471}}
        ),
    ),
    # 12.00 + 15.00 = 27.00 < 30.00: "add 3.00 for 5.00 off".
    Example(
        "tiers: below the lowest tier",
        [MK_TIERS],
        cart(line(0, "lemon_black_tea"), line(1, "classic_milk_tea")),
        Expect(
            2700,
            [1200, 1500],
            not_applied={"mk-tiers": "threshold_not_reached"},
            near_misses=[("mk-tiers", 300, 500)],
        ),
    ),
    # 每满30减5, at most 10.00: 4 x 28.00 = 112.00 -> floor(11200/3000) = 3 -> 15.00, capped 10.00.
    Example(
        "every 30 off 5: capped",
        [EVERY30],
        cart(line(0, "strawberry_cheese_smoothie", 4)),
        Expect(10200, [10200], [("every30-5", 1000)]),
    ),
    # 2 x 16.00 = 32.00 -> 1 x 5.00; an applied every_x_off_y has no near miss.
    Example(
        "every 30 off 5: once",
        [EVERY30],
        cart(line(0, "jasmine_milk_green", 2)),
        Expect(2700, [2700], [("every30-5", 500)]),
    ),
    # 2 x 12.00 = 24.00 < 30.00: add 6.00 for 5.00 off.
    Example(
        "every 30 off 5: near miss",
        [EVERY30],
        cart(line(0, "lemon_black_tea", 2)),
        Expect(
            2400,
            [2400],
            not_applied={"every30-5": "threshold_not_reached"},
            near_misses=[("every30-5", 600, 500)],
        ),
    ),
    # 第二杯半价 on the cheaper cup: 22.00 and 15.00 -> sorted dearest first [22.00, 15.00], the
    # last of the pair (15.00) half off: 7.50 -> 37.00 - 7.50 = 29.50.
    Example(
        "second cup half price: cheaper",
        [SECOND_HALF],
        cart(line(0, "classic_milk_tea"), line(1, "fresh_grape_tea")),
        Expect(2950, [750, 2200], [("second-half", 750)]),
    ),
    # ... on the dearer cup: sorted cheapest first [15.00, 22.00] -> 22.00 half off: 11.00 -> 26.00.
    Example(
        "second cup half price: dearer",
        [SECOND_HALF_DEARER],
        cart(line(0, "classic_milk_tea"), line(1, "fresh_grape_tea")),
        Expect(2600, [1500, 1100], [("second-half-dearer", 1100)]),
    ),
    # Three cups 15.00, 19.00, 22.00: the best is the pair [22.00, 19.00] -> 9.50 off (the pair
    # [22.00, 15.00] would give 7.50); the odd cup is left out: 56.00 - 9.50 = 46.50.
    Example(
        "second cup half price: three cups",
        [SECOND_HALF],
        cart(
            line(0, "classic_milk_tea"),
            line(1, "brown_sugar_boba_milk"),
            line(2, "fresh_grape_tea"),
        ),
        Expect(4650, [1500, 950, 2200], [("second-half", 950)]),
    ),
    # 买一送一, same item: 3 x 15.00 -> one application (the third cup has no partner): 15.00 off.
    Example(
        "buy one get one: three cups",
        [BOGO],
        cart(line(0, "classic_milk_tea", 3)),
        Expect(3000, [3000], [("bogo-classic", 1500)]),
    ),
    # 4 x 15.00 -> two applications: 30.00 off.
    Example(
        "buy one get one: four cups",
        [BOGO],
        cart(line(0, "classic_milk_tea", 4)),
        Expect(3000, [3000], [("bogo-classic", 3000)]),
    ),
    # 买冰沙送柠檬红茶, across categories: 23.00 smoothie + 2 x 12.00 lemon tea: one lemon tea free
    # (12.00); the second has no smoothie to go with: 47.00 - 12.00 = 35.00.
    Example(
        "buy one get one: across categories",
        [SMOOTHIE_LEMON],
        cart(line(0, "mango_smoothie"), line(1, "lemon_black_tea", 2)),
        Expect(3500, [2300, 1200], [("smoothie-lemon", 1200)]),
    ),
    # 任意奶茶+任意果茶=30元: 19.00 + 22.00 = 41.00 -> 11.00 off split 1900:2200 (W 4100):
    # 1100*1900/4100 = 509 r 3100, 1100*2200/4100 = 590 r 1000 -> 510 + 590.
    Example(
        "combo: milk tea + fruit tea = 30.00",
        [COMBO],
        cart(line(0, "brown_sugar_boba_milk"), line(1, "fresh_grape_tea")),
        Expect(3000, [1390, 1610], [("combo-30", 1100)], {"combo-30": {0: 510, 1: 590}}),
    ),
    # 15.00 + 12.00 = 27.00 is already below 30.00: the instance is dropped, no benefit.
    Example(
        "combo: cheaper than the combo price",
        [COMBO],
        cart(line(0, "classic_milk_tea"), line(1, "lemon_black_tea")),
        Expect(2700, [1500, 1200], not_applied={"combo-30": "no_benefit"}),
    ),
    # 2 x 15.00 milk tea, 22.00 + 12.00 fruit tea: the dearest pair 15.00 + 22.00 = 37.00 -> 7.00
    # off (700*1500/3700 = 283 r 2900, 700*2200/3700 = 416 r 800 -> 284 + 416); the second pair
    # 15.00 + 12.00 = 27.00 is dropped: 64.00 - 7.00 = 57.00.
    Example(
        "combo: two instances, the second dropped",
        [COMBO],
        cart(
            line(0, "classic_milk_tea", 2), line(1, "fresh_grape_tea"), line(2, "lemon_black_tea")
        ),
        Expect(5700, [2716, 1784, 1200], [("combo-30", 700)], {"combo-30": {0: 284, 1: 416}}),
    ),
    # 金卡会员价: classic 15.00 -> 13.00 (the +2.00 oat milk is not discounted: 2 x 2.00 off), boba
    # 19.00 -> 16.00 (3.00 off): 53.00 - 7.00 = 46.00.
    Example(
        "member tier price: gold",
        [GOLD_PRICE],
        cart(
            line(0, "classic_milk_tea", 2, modifiers=200),
            line(1, "brown_sugar_boba_milk"),
            member_tier="gold",
        ),
        Expect(4600, [3000, 1600], [("gold-price", 700)]),
    ),
    Example(
        "member tier price: not a member",
        [GOLD_PRICE],
        cart(line(0, "classic_milk_tea", 2, modifiers=200), line(1, "brown_sugar_boba_milk")),
        Expect(5300, [3400, 1900], not_applied={"gold-price": "member_tier"}),
    ),
    # 5元无门槛券 only with the coupon in the wallet and valid now (from inclusive, to exclusive).
    Example(
        "coupon: in the wallet and valid",
        [COUPON_5],
        cart(
            line(0, "classic_milk_tea"),
            wallet=[wallet_coupon("coupon-5", MONDAY_1530, MONDAY_1530 + 1)],
        ),
        Expect(1000, [1000], [("coupon-5", 500)]),
    ),
    Example(
        "coupon: expired (valid_to is exclusive)",
        [COUPON_5],
        cart(line(0, "classic_milk_tea"), wallet=[wallet_coupon("coupon-5", 0, MONDAY_1530)]),
        Expect(1500, [1500], not_applied={"coupon-5": "coupon_missing"}),
    ),
    Example(
        "coupon: the wallet holds another promotion's coupon",
        [COUPON_5],
        cart(line(0, "classic_milk_tea"), wallet=[wallet_coupon("coupon-10", 0, 2 * MONDAY_1530)]),
        Expect(1500, [1500], not_applied={"coupon-5": "coupon_missing"}),
    ),
    # 下午茶8折 14:00-17:00 local (UTC+8): 15.00 -> 3.00 off at 15:30 and at 14:00 (inclusive) ...
    Example(
        "happy hour: 15:30",
        [HAPPY_HOUR],
        cart(line(0, "classic_milk_tea")),
        Expect(1200, [1200], [("happy-hour", 300)]),
    ),
    Example(
        "happy hour: 14:00 (start inclusive)",
        [HAPPY_HOUR],
        cart(line(0, "classic_milk_tea"), now_ms=local_ms(2026, 11, 23, 14, 0)),
        Expect(1200, [1200], [("happy-hour", 300)]),
    ),
    # ... but not at 17:00 (end exclusive).
    Example(
        "happy hour: 17:00 (end exclusive)",
        [HAPPY_HOUR],
        cart(line(0, "classic_milk_tea"), now_ms=local_ms(2026, 11, 23, 17, 0)),
        Expect(1500, [1500], not_applied={"happy-hour": "outside_time"}),
    ),
    # 夜宵9折 22:00-02:00 wraps midnight: 23:30 and 01:30 are in (15.00 -> 1.50 off), 02:00 is not.
    Example(
        "late night: 23:30",
        [LATE_NIGHT],
        cart(line(0, "classic_milk_tea"), now_ms=local_ms(2026, 11, 23, 23, 30)),
        Expect(1350, [1350], [("late-night", 150)]),
    ),
    Example(
        "late night: 01:30 after midnight",
        [LATE_NIGHT],
        cart(line(0, "classic_milk_tea"), now_ms=local_ms(2026, 11, 24, 1, 30)),
        Expect(1350, [1350], [("late-night", 150)]),
    ),
    Example(
        "late night: 02:00",
        [LATE_NIGHT],
        cart(line(0, "classic_milk_tea"), now_ms=local_ms(2026, 11, 24, 2, 0)),
        Expect(1500, [1500], not_applied={"late-night": "outside_time"}),
    ),
    # 周末饮品减2元: Monday is not in weekdays [6, 7]; Saturday 2026-11-28 is (2 x 2.00 off).
    Example(
        "weekend: on a Monday",
        [WEEKEND],
        cart(line(0, "classic_milk_tea", 2)),
        Expect(3000, [3000], not_applied={"weekend": "outside_time"}),
    ),
    Example(
        "weekend: on a Saturday",
        [WEEKEND],
        cart(line(0, "classic_milk_tea", 2), now_ms=local_ms(2026, 11, 28, 15, 30)),
        Expect(2600, [2600], [("weekend", 400)]),
    ),
    # Points, 100 = 5.00, at most 50 %: 15.00 order, 1000 points to redeem = 10 blocks = 50.00;
    # the cap is floor(1500 * 50 / 100) = 7.50, so blocks drop to 1: 5.00 off, 100 points used.
    Example(
        "points: capped at half the order",
        [],
        cart(line(0, "classic_milk_tea"), points_balance=1000, points_to_redeem=1000),
        Expect(1000, [1000], points=(100, 500)),
    ),
    # 15.00 + 22.00 with 350 points to redeem: floor(350 / 100) = 3 blocks = 15.00 <= the cap
    # floor(3700 * 50 / 100) = 18.50; 300 points used. Split by net 1500:2200 (W 3700):
    # 1500*1500/3700 = 608 r 400, 1500*2200/3700 = 891 r 3300 -> 608 + 892.
    Example(
        "points: three blocks over two lines",
        [],
        cart(
            line(0, "classic_milk_tea"),
            line(1, "fresh_grape_tea"),
            points_balance=5000,
            points_to_redeem=350,
        ),
        Expect(2200, [892, 1308], points=(300, 1500)),
    ),
    # Points come after promotions: 4 x 15.00 = 60.00, 买一送一 x2 -> 30.00; the cap is 15.00, so
    # 10 blocks (50.00) drop to 3 (15.00): total 15.00.
    Example(
        "points: capped by the total after promotions",
        [BOGO],
        cart(line(0, "classic_milk_tea", 4), points_balance=1000, points_to_redeem=1000),
        Expect(1500, [1500], [("bogo-classic", 3000)], points=(300, 1500)),
    ),
    # Exclusive 新客立减12元 vs the stack 第二杯半价 + 满30减5 on 2 x 16.00 + 22.00 = 54.00:
    # stack: the half-price pair [22.00, 16.00] -> 8.00 off; base 46.00 >= 30.00 -> 5.00 off, split
    # by net 2400:2200 (500*2400/4600 = 260 r 4000, 500*2200/4600 = 239 r 600 -> 261 + 239);
    # 13.00 > 12.00: the stack wins, the exclusive one has no benefit.
    Example(
        "exclusive vs stack: the stack wins",
        [SECOND_HALF, MK30, newcomer(1200)],
        cart(line(0, "jasmine_milk_green", 2), line(1, "fresh_grape_tea")),
        Expect(
            4100,
            [2139, 1961],
            [("second-half", 800), ("mk30-5", 500)],
            {"second-half": {0: 800}, "mk30-5": {0: 261, 1: 239}},
            not_applied={"newcomer": "no_benefit"},
        ),
    ),
    # 新客立减15元 alone beats 13.00: split 1500*3200/5400 = 888 r 4800, 1500*2200/5400 = 611 r 600
    # -> 889 + 611; the others are excluded by it.
    Example(
        "exclusive vs stack: the exclusive wins",
        [SECOND_HALF, MK30, newcomer(1500)],
        cart(line(0, "jasmine_milk_green", 2), line(1, "fresh_grape_tea")),
        Expect(
            3900,
            [2311, 1589],
            [("newcomer", 1500)],
            not_applied={"second-half": "excluded_by_exclusive", "mk30-5": "excluded_by_exclusive"},
        ),
    ),
    # 新客立减13元 ties with the 13.00 stack: the smaller assignment vector wins the tie, and the
    # exclusive one claims no unit (all zeros) while 第二杯半价 claims the pair. Split
    # 1300*3200/5400 = 770 r 2000, 1300*2200/5400 = 529 r 3400 -> 770 + 530.
    Example(
        "exclusive vs stack: a tie goes to the smaller assignment vector",
        [SECOND_HALF, MK30, newcomer(1300)],
        cart(line(0, "jasmine_milk_green", 2), line(1, "fresh_grape_tea")),
        Expect(
            4100,
            [2430, 1670],
            [("newcomer", 1300)],
            not_applied={"second-half": "excluded_by_exclusive", "mk30-5": "excluded_by_exclusive"},
        ),
    ),
    # One group "storewide": 全场9折 vs 满30减5. On 54.00: 5.40 > 5.00, the 10 % wins.
    Example(
        "group: 10 % off beats 30 off 5",
        [
            promo(
                "ten-off", "全场9折", "percent_off", level="order", percent=10, group="storewide"
            ),
            {**MK30, "group": "storewide"},
        ],
        cart(line(0, "jasmine_milk_green", 2), line(1, "fresh_grape_tea")),
        Expect(4860, [2880, 1980], [("ten-off", 540)], not_applied={"mk30-5": "group_conflict"}),
    ),
    # On 32.00: 3.20 < 5.00, 满30减5 wins.
    Example(
        "group: 30 off 5 beats 10 % off",
        [
            promo(
                "ten-off", "全场9折", "percent_off", level="order", percent=10, group="storewide"
            ),
            {**MK30, "group": "storewide"},
        ],
        cart(line(0, "jasmine_milk_green", 2)),
        Expect(2700, [2700], [("mk30-5", 500)], not_applied={"ten-off": "group_conflict"}),
    ),
    # Near misses: 3 x 15.00 = 45.00 reached 满30减5 (5.00) and is 5.00 from 满50减12 (7.00 more);
    # 每满30减5 applies once too (floor(4500 / 3000) = 1 -> 5.00; an applied every_x_off_y has no
    # near miss). Both bases are taken after the item stage, not after each other: 45.00 - 10.00.
    Example(
        "near misses: add 5.00 for 7.00 more",
        [MK_TIERS, EVERY30],
        cart(line(0, "classic_milk_tea", 3)),
        Expect(
            3500,
            [3500],
            [("every30-5", 500), ("mk-tiers", 500)],
            near_misses=[("mk-tiers", 500, 700)],
        ),
    ),
    # The base is measured after the item stage: 2 x 16.00 with 第二杯半价 -> 24.00, so 满30减5 is
    # 6.00 away (add 6.00 for 5.00 off) although the cups list at 32.00.
    Example(
        "near misses: base after the item stage",
        [SECOND_HALF, MK30],
        cart(line(0, "jasmine_milk_green", 2)),
        Expect(
            2400,
            [2400],
            [("second-half", 800)],
            not_applied={"mk30-5": "threshold_not_reached"},
            near_misses=[("mk30-5", 600, 500)],
        ),
    ),
    # The sample shop's promotions (pyengine/data/sample_promotions.toml), a gold member at 15:30 on
    # a Monday at the counter: 2 x 15.00 milk tea, 23.00 smoothie, 22.00 fruit tea = 75.00.
    # Items: 奶茶第二杯半价 7.50 on a milk tea; 水果茶8折 4.40 on the grape tea (the 36.00 combo
    # would save only 15.00 + 23.00 - 36.00 = 2.00 and take a milk tea from the pair). Lines
    # after items: 22.50, 23.00, 17.60 = 63.10. Order stage by (priority, id): 金卡9折 6.31
    # (exactly 2.25 + 2.30 + 1.76), then 满50减12 on the after-items base 63.10: 12.00 split
    # 2025:2070:1584 -> 427 r 5067, 437 r 2277, 334 r 4014, the 2 fen left to lines 0 and 2.
    # The new-member coupon needs a first order, the delivery offer a delivery channel.
    Example(
        "sample shop promotions",
        SAMPLE_PROMOTIONS,
        cart(
            line(0, "classic_milk_tea", 2),
            line(1, "mango_smoothie"),
            line(2, "fresh_grape_tea"),
            member_tier="gold",
        ),
        Expect(
            4479,
            [1597, 1633, 1249],
            [
                ("afternoon-fruit-20", 440),
                ("second-cup-half", 750),
                ("gold-tier-10", 631),
                ("mk30-5", 1200),
            ],
            {"mk30-5": {0: 428, 1: 437, 2: 335}},
            not_applied={
                "delivery-every-30-3": "channel",
                "tea-smoothie-combo": "no_benefit",
                "welcome-coupon": "first_order_only",
            },
        ),
    ),
    # A promotion that discounts nothing holds no unit, and a stackable one without a group
    # always applies. 满27减10 on tea (milk and fruit), a stackable 会员9折, 第四杯半价
    # (nothing with 3 cups): 12.00 + 15.00 tea, 23.00 smoothie. 第四杯半价 cannot claim the teas
    # to shield them (it would take nothing off), so 9折 takes 1.20 + 1.50 + 2.30 = 5.00 and the
    # tea base drops to 24.30 < 27.00: 满27减10 is 2.70 away (near miss). (A shop that wants the
    # better of the two puts them in one group.)
    Example(
        "a claim without a discount does not shield units from a stackable promotion",
        [
            promo(
                "tea27-10",
                "茶饮满27减10",
                "threshold_tiers",
                scope={"categories": ["milk_tea", "fruit_tea"]},
                tiers=[{"threshold_minor": 2700, "amount_minor": 1000}],
            ),
            promo(
                "member-90",
                "会员9折(可叠加)",
                "percent_off",
                level="item",
                percent=10,
                stackable=True,
            ),
            promo("fourth-half", "第四杯半价", "nth_unit", n=4, percent=50, discount_on="cheaper"),
        ],
        cart(line(0, "lemon_black_tea"), line(1, "classic_milk_tea"), line(2, "mango_smoothie")),
        Expect(
            4500,
            [1080, 1350, 2070],
            [("member-90", 500)],
            {"member-90": {0: 120, 1: 150, 2: 230}},
            not_applied={"fourth-half": "no_benefit", "tea27-10": "threshold_not_reached"},
            near_misses=[("tea27-10", 270, 1000)],
        ),
    ),
    # A budget used up (the engine passes remaining_uses 0): 满30减5 is not applied.
    Example(
        "no uses left",
        [{**MK30, "max_uses": 100}, SECOND_HALF],
        cart(
            line(0, "jasmine_milk_green", 2),
            line(1, "fresh_grape_tea"),
            remaining_uses={"mk30-5": 0},
        ),
        Expect(4600, [2400, 2200], [("second-half", 800)], not_applied={"mk30-5": "no_uses_left"}),
    ),
    # Stackable 会员95折 with 第二杯半价 on 2 x 15.00 + 22.00: the half price claims the two milk
    # teas (7.50 off), the member discount takes 5 % of the unclaimed grape tea (1.10): 8.60 in all.
    # (The pair [22.00, 15.00] would leave a 15.00 cup for 0.75: 8.25.)
    Example(
        "stackable: shares the units nobody claimed",
        [SECOND_HALF, MEMBER_95],
        cart(line(0, "classic_milk_tea", 2), line(1, "fresh_grape_tea")),
        Expect(4340, [2250, 2090], [("member-95", 110), ("second-half", 750)]),
    ),
]


def summary(answer: Json, expect: Expect) -> Expect:
    """The answer in the shape of an `Expect` (per-line amounts only for the ids `expect` lists)."""
    applied_lines = {
        entry["id"]: {part["line_no"]: part["amount_minor"] for part in entry["lines"]}
        for entry in answer["applied"]
        if entry["id"] in expect.applied_lines
    }
    return Expect(
        total=answer["total_minor"],
        nets=[entry["net_minor"] for entry in answer["lines"]],
        applied=[(entry["id"], entry["amount_minor"]) for entry in answer["applied"]],
        applied_lines=applied_lines,
        not_applied={entry["id"]: entry["reason"] for entry in answer["not_applied"]},
        near_misses=[
            (m["id"], m["add_minor"], m["extra_discount_minor"]) for m in answer["near_misses"]
        ],
        points=(answer["points_used"], answer["points_value_minor"]),
    )


def check_invariants(answer: Json) -> None:
    lines = answer["lines"]
    assert [entry["line_no"] for entry in lines] == sorted(entry["line_no"] for entry in lines)
    for entry in lines:
        assert entry["net_minor"] == entry["gross_minor"] - entry["discount_minor"] >= 0
    assert answer["total_minor"] == sum(entry["net_minor"] for entry in lines)
    assert answer["subtotal_minor"] == sum(entry["gross_minor"] for entry in lines)
    assert answer["discount_minor"] == answer["subtotal_minor"] - answer["total_minor"]
    promotions = sum(entry["amount_minor"] for entry in answer["applied"])
    assert answer["discount_minor"] == promotions + answer["points_value_minor"]
    for entry in answer["applied"]:
        assert entry["amount_minor"] == sum(part["amount_minor"] for part in entry["lines"]) > 0
    assert answer["exact"] is True


@pytest.fixture(params=["reference", "rust"])
def calculator(request: pytest.FixtureRequest) -> Calculator:
    return reference.price if request.param == "reference" else rust_price


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_worked_example(example: Example, calculator: Calculator) -> None:
    answer = calculator(example.shop, example.promotions, example.cart)
    check_invariants(answer)
    assert summary(answer, example.expect) == example.expect
    expected = reference.price(example.shop, example.promotions, example.cart)
    assert without_explanations(answer) == without_explanations(expected)


def test_doc_example_answer() -> None:
    """The answer printed in docs/promotions.md, field for field."""
    shop = {
        "utc_offset_minutes": 480,
        "points": {"per_block": 100, "value_minor": 500, "max_share_percent": 50},
    }
    promotions = [
        promo("second-half", "第二杯半价", "nth_unit", n=2, percent=50, discount_on="cheaper"),
        promo(
            "mk30-5",
            "满30减5",
            "threshold_tiers",
            tiers=[{"threshold_minor": 3000, "amount_minor": 500}],
        ),
    ]
    the_cart = cart(line(0, "classic_milk_tea", 2, modifiers=200), now_ms=0)
    assert without_explanations(reference.price(shop, promotions, the_cart)) == {
        "lines": [{"line_no": 0, "gross_minor": 3400, "discount_minor": 850, "net_minor": 2550}],
        "subtotal_minor": 3400,
        "discount_minor": 850,
        "total_minor": 2550,
        "points_used": 0,
        "points_value_minor": 0,
        "applied": [
            {
                "id": "second-half",
                "name": "第二杯半价",
                "amount_minor": 850,
                "lines": [{"line_no": 0, "amount_minor": 850}],
            }
        ],
        "not_applied": [{"id": "mk30-5", "reason": "threshold_not_reached"}],
        "near_misses": [{"id": "mk30-5", "add_minor": 450, "extra_discount_minor": 500}],
        "exact": True,
    }


BAD_INPUTS = [
    (
        "promotions[1].tiers[0].amount_minor: must be >= 0",
        [
            MK30,
            promo(
                "bad",
                "坏",
                "threshold_tiers",
                tiers=[{"threshold_minor": 3000, "amount_minor": -1}],
            ),
        ],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[0].percentage: unknown field",
        [{**SECOND_HALF, "percentage": 50}],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[0].n: must be an integer",
        [{**SECOND_HALF, "n": True}],
        cart(line(0, "classic_milk_tea")),
    ),
    ("promotions[0].n: must be >= 2", [{**SECOND_HALF, "n": 1}], cart(line(0, "classic_milk_tea"))),
    (
        "promotions[0].kind: unknown kind 'half_off'",
        [{**SECOND_HALF, "kind": "half_off"}],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[0].level: must be",
        [promo("x", "x", "percent_off", percent=10)],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[1].id: duplicates promotions[0].id",
        [MK30, MK30],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[0].conditions.time_windows[0].start: must be",
        [{**HAPPY_HOUR, "conditions": {"time_windows": [{"start": "24:00", "end": "02:00"}]}}],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "promotions[0].stackable: unknown field",
        [{**MK30, "stackable": True}],
        cart(line(0, "classic_milk_tea")),
    ),
    (
        "cart.lines[0].quantity: must be >= 1",
        [],
        cart({**line(0, "classic_milk_tea"), "quantity": 0}),
    ),
    (
        "cart.lines[1].line_no: duplicates",
        [],
        cart(line(0, "classic_milk_tea"), line(0, "lemon_black_tea")),
    ),
    (
        "cart.context.now_ms: required",
        [],
        {"lines": [], "context": {"store_id": "sh-001", "channel": "COUNTER"}},
    ),
]


@pytest.mark.parametrize(
    ("message", "promotions", "the_cart"), BAD_INPUTS, ids=[m for m, _, _ in BAD_INPUTS]
)
def test_bad_input_is_refused_naming_the_field(
    message: str, promotions: list[Json], the_cart: Json, calculator: Calculator
) -> None:
    """Both refuse, naming the same field (the oracle's message also gives the reason)."""
    if calculator is reference.price:
        with pytest.raises(ValueError) as refused:
            calculator(SHOP, promotions, the_cart)
        assert str(refused.value).startswith(message)
    else:
        with pytest.raises(_native.EngineError) as error:
            calculator(SHOP, promotions, the_cart)
        assert error.value.field == message.split(": ")[0], str(error.value)


def test_budgets_are_validated_not_applied(calculator: Calculator) -> None:
    """`max_uses` / `max_uses_per_member` (>= 1) change no price: the engine enforces them through
    `remaining_uses`. 0 is refused, naming the field."""
    the_cart = cart(line(0, "jasmine_milk_green", 2))
    budgeted = {**MK30, "max_uses": 100, "max_uses_per_member": 1}
    expected = without_explanations(reference.price(SHOP, [MK30], the_cart))
    assert without_explanations(calculator(SHOP, [budgeted], the_cart)) == expected
    for field_name in ("max_uses", "max_uses_per_member"):
        with pytest.raises((ValueError, _native.EngineError)) as refused:
            calculator(SHOP, [{**MK30, field_name: 0}], the_cart)
        assert f"promotions[0].{field_name}" in str(refused.value)
