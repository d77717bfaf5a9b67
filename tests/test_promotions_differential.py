"""Differential and property tests of the promotion calculator (docs/promotions.md).

Random small menus, carts, contexts and promotions of every kind go through the plain-Python oracle
(`pyengine.promotions_reference`) and the Rust `pyengine._native.PriceCalculator`; the two answers
must be equal field for field (explanations aside), and both must refuse the same bad field. The
other properties hold of the oracle alone.

The oracle is a brute force, so the strategies keep every case small: `search_size` (how many
combinations the oracle evaluates) is bounded, and the hypothesis settings are fixed and
derandomized so a run is reproducible and stays well under a minute. A failure prints the three
JSON inputs (`note`) ready to paste into a worked example.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from pyengine import _native
from pyengine import promotions_reference as reference
from tests.test_promotions_reference import check_invariants, rust_price, without_explanations

Json = dict[str, Any]

MAX_SEARCH = 3000  # combinations the oracle may evaluate per case (about 0.1 s)
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

SKUS = {
    "classic_milk_tea": "milk_tea",
    "jasmine_milk_green": "milk_tea",
    "fresh_grape_tea": "fruit_tea",
    "lemon_black_tea": "fruit_tea",
    "mango_smoothie": "smoothie",
}
CATEGORIES = ["milk_tea", "fruit_tea", "smoothie", "snack"]
CHANNELS = ["COUNTER", "MEITUAN", "ELEME"]
STORES = ["sh-001", "sh-002"]
TIERS = ["gold", "silver"]
# Ids that exercise the tie-breaks: upper before lower case, "p10" before "p2", CJK last.
IDS = ["A", "a", "p1", "p10", "p2", "满减", "半价"]
WEEK_START_MS = 1_795_363_200_000  # 2026-11-23 00:00 in Shanghai, a Monday
MINUTE_MS = 60_000

money = st.one_of(st.integers(1, 30).map(lambda x: x * 100), st.integers(0, 3000))
item_price = st.one_of(st.integers(5, 30).map(lambda x: x * 100), st.integers(100, 3000))
percent = st.one_of(st.sampled_from([5, 10, 20, 50, 80, 100]), st.integers(1, 100))
small_amount = st.one_of(st.sampled_from([100, 200, 300, 500, 1000]), st.integers(0, 2000))


def ids_lists(values: list[str], max_size: int = 2) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=max_size, unique=True)


@st.composite
def selectors(draw: st.DrawFn, quantity: bool = False, empty_weight: int = 2) -> Json:
    """A scope, buy/get set or slot: usually a sku or a category list, sometimes everything."""
    selector: Json = {}
    shape = draw(st.integers(0, 2 + empty_weight)) - empty_weight  # < 0: every unit
    if shape == 0:
        selector["skus"] = draw(ids_lists(sorted(SKUS)))
    elif shape == 1:
        selector["categories"] = draw(ids_lists(CATEGORIES))
    elif shape == 2:
        selector["skus"] = draw(ids_lists(sorted(SKUS), 1))
        selector["categories"] = draw(ids_lists(CATEGORIES, 1))
    if quantity:
        selector["quantity"] = draw(st.integers(1, 2))
    return selector


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> Json:
    start = draw(st.sampled_from([0, 6 * 60, 14 * 60, 17 * 60, 22 * 60]) | st.integers(0, 1439))
    end = draw(st.sampled_from([2 * 60, 14 * 60, 17 * 60, 0]) | st.integers(0, 1439))
    assume(start != end)
    return {"start": hhmm(start), "end": hhmm(end)}


@st.composite
def conditions(draw: st.DrawFn) -> Json:
    """Mostly none; otherwise one or two conditions, each sometimes met."""
    result: Json = {}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        key = draw(
            st.sampled_from(
                [
                    "channels", "stores", "member_tiers", "weekdays", "time_windows",
                    "valid_from_ms", "valid_to_ms", "min_quantity", "first_order_only", "coupon",
                ]
            )
        )  # fmt: skip
        if key == "channels":
            result[key] = draw(ids_lists(CHANNELS))
        elif key == "stores":
            result[key] = draw(ids_lists(STORES, 1))
        elif key == "member_tiers":
            result[key] = draw(ids_lists(TIERS))
        elif key == "weekdays":
            result[key] = draw(st.lists(st.integers(1, 7), min_size=1, max_size=4, unique=True))
        elif key == "time_windows":
            result[key] = draw(st.lists(windows(), min_size=1, max_size=2))
        elif key in ("valid_from_ms", "valid_to_ms"):
            result[key] = WEEK_START_MS + draw(st.integers(0, 7 * 24 * 60)) * MINUTE_MS
        elif key == "min_quantity":
            result[key] = draw(st.integers(0, 4))
        else:
            result[key] = draw(st.booleans())
    return result


@st.composite
def tiers(draw: st.DrawFn) -> list[Json]:
    threshold = st.integers(0, 80).map(lambda x: x * 100) | st.integers(0, 8000)
    thresholds = draw(st.lists(threshold, min_size=1, max_size=3, unique=True).map(sorted))
    amounts = sorted(
        draw(st.lists(small_amount, min_size=len(thresholds), max_size=len(thresholds)))
    )
    order = draw(st.permutations(range(len(thresholds))))  # any listed order is allowed
    return [{"threshold_minor": thresholds[i], "amount_minor": amounts[i]} for i in order]


@st.composite
def promotions(draw: st.DrawFn, promotion_id: str) -> Json:
    kind = draw(
        st.sampled_from(
            [
                "percent_off", "amount_off", "nth_unit", "buy_x_get_y", "combo", "tier_price",
                "threshold_tiers", "every_x_off_y",
            ]
        )
    )  # fmt: skip
    p: Json = {"id": promotion_id, "name": f"促销 {promotion_id}", "kind": kind}
    if kind in ("percent_off", "amount_off"):
        p["level"] = draw(st.sampled_from(["item", "order"]))
    level = p.get("level", "order" if kind in ("threshold_tiers", "every_x_off_y") else "item")
    if kind in ("percent_off", "nth_unit", "buy_x_get_y"):
        p["percent"] = draw(percent)
    if kind == "amount_off":
        p["amount_minor"] = draw(small_amount)
    if kind == "nth_unit":
        p["n"] = draw(st.integers(2, 3))
        p["discount_on"] = draw(st.sampled_from(["cheaper", "dearer"]))
    if kind == "buy_x_get_y":
        p["buy"] = draw(selectors(quantity=True))
        p["get"] = draw(selectors(quantity=True))
    if kind == "combo":
        p["slots"] = draw(
            st.lists(selectors(quantity=True, empty_weight=0), min_size=1, max_size=2)
        )
        p["price_minor"] = draw(money | st.integers(0, 6000))
    if kind == "tier_price":
        listed = draw(ids_lists(sorted(SKUS), 3))
        p["prices"] = {sku: draw(money) for sku in listed}
    if kind == "threshold_tiers":
        p["tiers"] = draw(tiers())
    if kind == "every_x_off_y":
        p["every_minor"] = draw(money.filter(lambda x: x > 0) | st.integers(1, 5000))
        p["amount_minor"] = draw(small_amount)
        if draw(st.booleans()):
            p["cap_minor"] = draw(small_amount)
    if level == "order" and draw(st.booleans()):
        p["base"] = draw(st.sampled_from(["after_items", "before_items"]))
    # Rare flags on the last value of a range: hypothesis favours the first.
    if level == "item" and draw(st.integers(0, 2)) == 2:
        p["stackable"] = True
    if draw(st.integers(0, 11)) == 11:
        p["enabled"] = False
    if draw(st.booleans()):
        p["priority"] = draw(st.sampled_from([50, 100, 150]))
    if draw(st.integers(0, 5)) == 5:  # budgets change no price; both must accept them
        p[draw(st.sampled_from(["max_uses", "max_uses_per_member"]))] = draw(st.integers(1, 3))
    group = draw(st.sampled_from([None, None, "g1", "g2"]))
    if group is not None:
        p["group"] = group
    if draw(st.integers(0, 6)) == 6:
        p["exclusive"] = True
    if kind not in ("buy_x_get_y", "combo") or draw(st.integers(0, 3)) == 3:
        scope = draw(selectors())
        if scope:
            p["scope"] = scope
    cond = draw(conditions())
    if cond:
        p["conditions"] = cond
    return p


@st.composite
def lines(draw: st.DrawFn) -> list[Json]:
    count = draw(st.sampled_from([3, 2, 4, 1]))  # hypothesis favours the first
    line_nos = draw(st.lists(st.integers(0, 9), min_size=count, max_size=count, unique=True))
    result = []
    for line_no in line_nos:  # not sorted: the answer lists lines by line_no anyway
        sku = draw(st.sampled_from(sorted(SKUS)))
        result.append(
            {
                "line_no": line_no,
                "sku": sku,
                "category": SKUS[sku],
                "quantity": draw(st.sampled_from([2, 1, 3])),
                "item_price_minor": draw(item_price),
                "modifiers_price_minor": draw(
                    st.sampled_from([0, 0, 200, 500]) | st.integers(0, 500)
                ),
            }
        )
    return result


@st.composite
def contexts(draw: st.DrawFn, promotion_ids: list[str]) -> Json:
    now_ms = WEEK_START_MS + draw(st.integers(0, 7 * 24 * 60)) * MINUTE_MS
    wallet = []
    for promotion_id in draw(st.lists(st.sampled_from(promotion_ids), max_size=2)):
        start = now_ms + draw(st.sampled_from([-MINUTE_MS, 0, MINUTE_MS]))
        wallet.append(
            {
                "coupon_id": f"c{len(wallet)}",
                "promotion_id": promotion_id,
                "valid_from_ms": start,
                "valid_to_ms": start + draw(st.sampled_from([MINUTE_MS, 2 * MINUTE_MS])),
            }
        )
    uses = draw(st.dictionaries(st.sampled_from(promotion_ids), st.integers(0, 2), max_size=2))
    return {
        "now_ms": now_ms,
        "store_id": draw(st.sampled_from(STORES)),
        "channel": draw(st.sampled_from(CHANNELS)),
        "member_tier": draw(st.sampled_from([None, *TIERS])),
        "first_order": draw(st.booleans()),
        "wallet": wallet,
        "remaining_uses": uses,
        "points_balance": draw(st.integers(0, 2000)),
        "points_to_redeem": draw(st.sampled_from([0, 0, 100, 250, 1000]) | st.integers(0, 2000)),
    }


@st.composite
def shops(draw: st.DrawFn) -> Json:
    shop: Json = {"utc_offset_minutes": draw(st.sampled_from([480, 480, 0, -300, 345]))}
    if draw(st.integers(0, 2)) > 0:
        shop["points"] = {
            "per_block": draw(st.sampled_from([100, 100, 50, 1])),
            "value_minor": draw(st.sampled_from([500, 100, 1, 0])),
            "max_share_percent": draw(st.sampled_from([50, 100, 0, 30])),
        }
    return shop


@st.composite
def cases(draw: st.DrawFn, max_promotions: int = 5) -> tuple[Json, list[Json], Json]:
    """(shop, promotions, cart), small enough for the oracle's brute force."""
    count = draw(st.sampled_from([n for n in (3, 4, 5, 2, 1) if n <= max_promotions]))
    ids = draw(st.permutations(IDS))[:count]
    promos = [draw(promotions(promotion_id)) for promotion_id in ids]
    shop = draw(shops())
    cart = {"lines": draw(lines()), "context": draw(contexts(ids))}
    assume(reference.search_size(shop, promos, cart) <= MAX_SEARCH)
    note(f"shop = {json.dumps(shop)}")
    note(f"promotions = {json.dumps(promos, ensure_ascii=False)}")
    note(f"cart = {json.dumps(cart)}")
    return shop, promos, cart


@SETTINGS
@given(cases())
def test_rust_matches_the_oracle(case: tuple[Json, list[Json], Json]) -> None:
    shop, promos, cart = case
    expected = without_explanations(reference.price(shop, promos, cart))
    actual = without_explanations(rust_price(shop, promos, cart))
    note(f"oracle = {json.dumps(expected, ensure_ascii=False)}")
    note(f"rust   = {json.dumps(actual, ensure_ascii=False)}")
    assert actual["exact"] is True, "a small cart must be within the Rust search budget"
    for key in expected:  # field by field, so the report names the first field that differs
        assert actual[key] == expected[key], key
    assert actual == expected


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_oracle_invariants_and_order_independence(
    case: tuple[Json, list[Json], Json], random: Any
) -> None:
    shop, promos, cart = case
    answer = reference.price(shop, promos, cart)
    kinds = {p["id"]: f"{p['kind']}/{p.get('level', '')}" for p in promos}
    event(f"applied: {len(answer['applied'])}")
    for entry in answer["applied"]:
        event(f"applied kind {kinds[entry['id']]}")
    for entry in answer["not_applied"]:
        event(f"reason {entry['reason']}")
    event(f"near misses: {len(answer['near_misses'])}")
    event(f"points used: {answer['points_used'] > 0}")
    check_invariants(answer)  # no line below zero, total = sum of nets, discount <= subtotal, ...
    assert answer["discount_minor"] <= answer["subtotal_minor"]
    ids = {p["id"] for p in promos}
    reported = [a["id"] for a in answer["applied"]] + [n["id"] for n in answer["not_applied"]]
    assert sorted(reported) == sorted(ids)

    shuffled_promos = random.sample(promos, len(promos))
    shuffled_cart = {**cart, "lines": random.sample(cart["lines"], len(cart["lines"]))}
    again = reference.price(shop, shuffled_promos, shuffled_cart)
    assert without_explanations(again) == without_explanations(answer)


@settings(SETTINGS, max_examples=150)
@given(cases(max_promotions=4), st.data())
def test_adding_a_promotion_never_raises_the_total(
    case: tuple[Json, list[Json], Json], data: st.DataObject
) -> None:
    """The old best combination stays available, so the promotions' discount cannot drop.

    Points are left out on purpose: a larger discount lowers the points cap (a share of what is
    left), so the total after points can rise by up to one block's value less a fen.
    """
    shop, promos, cart = case
    used = {p["id"] for p in promos}
    new_id = data.draw(st.sampled_from([i for i in IDS if i not in used]))
    extra = data.draw(promotions(new_id))
    more = [*promos, extra]
    assume(reference.search_size(shop, more, cart) <= MAX_SEARCH)
    note(f"added = {json.dumps(extra, ensure_ascii=False)}")
    before = reference.price(shop, promos, cart)
    after = reference.price(shop, more, cart)
    assert (
        after["total_minor"] + after["points_value_minor"]
        <= before["total_minor"] + before["points_value_minor"]
    )


def mutations(shop: Json, promos: list[Json], cart: Json, i: int) -> list[tuple[str, Any]]:
    """(field path, a function making exactly that field invalid) for promotion i and the cart."""
    p = f"promotions[{i}]"
    out: list[tuple[str, Any]] = [
        (f"{p}.colour", lambda: promos[i].update(colour="red")),
        (f"{p}.name", lambda: promos[i].pop("name")),
        (f"{p}.id", lambda: promos[i].update(id=5)),
        (f"{p}.kind", lambda: promos[i].update(kind="half_off")),
        (f"{p}.priority", lambda: promos[i].update(priority=1.5)),
        (f"{p}.exclusive", lambda: promos[i].update(exclusive=1)),
        (f"{p}.scope.skus", lambda: promos[i].update(scope={"skus": "classic_milk_tea"})),
        (f"{p}.conditions.weekdays[0]", lambda: promos[i].update(conditions={"weekdays": [8]})),
        (
            f"{p}.conditions.time_windows[0].end",
            lambda: promos[i].update(
                conditions={"time_windows": [{"start": "10:00", "end": "10:00"}]}
            ),
        ),
        (
            f"{p}.conditions.time_windows[0].start",
            lambda: promos[i].update(
                conditions={"time_windows": [{"start": "9:00", "end": "10:00"}]}
            ),
        ),
        ("cart.lines[0].quantity", lambda: cart["lines"][0].update(quantity=0)),
        ("cart.lines[0].item_price_minor", lambda: cart["lines"][0].update(item_price_minor=-1)),
        ("cart.lines[0].sku", lambda: cart["lines"][0].update(sku=None)),
        ("cart.context.channel", lambda: cart["context"].update(channel=3)),
        ("cart.context.points_to_redeem", lambda: cart["context"].update(points_to_redeem=-1)),
        ("shop.utc_offset_minutes", lambda: shop.update(utc_offset_minutes="480")),
    ]
    for key, bad in (
        ("percent", 101),
        ("percent", 0),
        ("amount_minor", -1),
        ("n", 1),
        ("every_minor", 0),
    ):
        if key in promos[i]:
            out.append((f"{p}.{key}", lambda key=key, bad=bad: promos[i].update({key: bad})))
    if "tiers" in promos[i]:
        out.append((f"{p}.tiers", lambda: promos[i].update(tiers=[])))
        out.append(
            (f"{p}.tiers[0].amount_minor", lambda: promos[i]["tiers"][0].update(amount_minor=-5))
        )
    if "level" in promos[i]:
        out.append((f"{p}.level", lambda: promos[i].update(level="line")))
    if (
        promos[i].get("level", "item") == "order"
        or "tiers" in promos[i]
        or "every_minor" in promos[i]
    ):
        out.append((f"{p}.stackable", lambda: promos[i].update(stackable=True)))
    if "points" in shop:
        out.append(("shop.points.per_block", lambda: shop["points"].update(per_block=0)))
    return out


@SETTINGS
@given(cases(), st.data())
def test_bad_input_is_refused_naming_the_field(
    case: tuple[Json, list[Json], Json], data: st.DataObject
) -> None:
    """One invalid field in an otherwise valid input: refused, naming that field (both sides)."""
    shop, promos, cart = json.loads(json.dumps(case))  # a deep copy to mutate
    i = data.draw(st.integers(0, len(promos) - 1))
    path, mutate = data.draw(st.sampled_from(mutations(shop, promos, cart, i)))
    mutate()
    note(f"mutated {path}")
    with pytest.raises(ValueError) as refused:
        reference.price(shop, promos, cart)
    assert str(refused.value).startswith(f"{path}: "), str(refused.value)
    with pytest.raises(_native.EngineError) as error:
        rust_price(shop, promos, cart)
    assert error.value.field == path, str(error.value)


@st.composite
def competing_amounts(draw: st.DrawFn) -> tuple[Json, list[Json], Json]:
    """Exact-amount item promotions that tie or nearly tie on the same units, some stackable or
    grouped, next to a spend threshold on the after-items base just below the subtotal: which
    claim is dropped for which (equal amounts, the sure stackables of an unclaimed unit) and
    which smaller discount keeps the threshold."""
    the_lines = [
        {
            "line_no": n,
            "sku": sku,
            "category": SKUS[sku],
            "quantity": draw(st.integers(1, 2)),
            "item_price_minor": draw(st.sampled_from([1000, 1200, 1500])),
            "modifiers_price_minor": 0,
        }
        for n, sku in enumerate(
            draw(st.lists(st.sampled_from(sorted(SKUS)), min_size=1, max_size=2, unique=True))
        )
    ]
    subtotal = sum(line["item_price_minor"] * line["quantity"] for line in the_lines)
    ids = draw(st.permutations(IDS))[: draw(st.integers(2, 4))]
    promos: list[Json] = []
    for promotion_id in ids:
        promo: Json = {
            "id": promotion_id,
            "name": promotion_id,
            "priority": draw(st.sampled_from([10, 100])),
        }
        if draw(st.booleans()):
            promo |= {
                "kind": "amount_off",
                "level": "item",
                "amount_minor": draw(st.sampled_from([100, 200])),
            }
        else:
            promo |= {
                "kind": "percent_off",
                "level": "item",
                "percent": draw(st.sampled_from([10, 20])),
            }
        if draw(st.integers(0, 3)) == 0:
            promo["stackable"] = True
        if draw(st.integers(0, 3)) == 0:
            promo["group"] = "g"
        if draw(st.booleans()):
            promo["scope"] = {"skus": [the_lines[0]["sku"]]}
        promos.append(promo)
    threshold = subtotal - draw(st.integers(0, 6)) * 100
    promos.append(
        {
            "id": "mj",
            "name": "满减",
            "kind": "threshold_tiers",
            "tiers": [{"threshold_minor": max(threshold, 100), "amount_minor": 500}],
        }
    )
    shop = {"utc_offset_minutes": 480}
    context = {"now_ms": WEEK_START_MS, "store_id": "sh-001", "channel": "COUNTER"}
    cart = {"lines": the_lines, "context": context}
    assume(reference.search_size(shop, promos, cart) <= MAX_SEARCH)
    note(f"promotions = {json.dumps(promos, ensure_ascii=False)}")
    note(f"cart = {json.dumps(cart)}")
    return shop, promos, cart


@settings(SETTINGS, max_examples=200)
@given(competing_amounts())
def test_rust_matches_the_oracle_on_competing_exact_amounts(
    case: tuple[Json, list[Json], Json],
) -> None:
    shop, promos, cart = case
    expected = without_explanations(reference.price(shop, promos, cart))
    actual = without_explanations(rust_price(shop, promos, cart))
    assert actual == expected
