"""JSON (already parsed) -> the model, refusing anything the contract does not allow.

Every refusal is a `ValueError` whose message starts with the field path, e.g.
`promotions[3].tiers[0].amount_minor: must be >= 0`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from pyengine.promotions_reference._model import (
    ITEM_KINDS_ALWAYS,
    KINDS,
    ORDER_KINDS_ALWAYS,
    Cart,
    Conditions,
    Context,
    Coupon,
    Line,
    PointsRule,
    Promotion,
    Selector,
    Shop,
    Slot,
    Tier,
    Window,
)

T = TypeVar("T")

# The most slots a combo may have (the calculator's limit too).
MAX_SLOTS = 16

_COMMON = (
    "id", "name", "kind", "enabled", "priority", "group", "exclusive", "scope", "conditions",
    "max_uses", "max_uses_per_member",
)  # fmt: skip
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "percent_off": ("level", "percent"),
    "amount_off": ("level", "amount_minor"),
    "nth_unit": ("n", "percent", "discount_on"),
    "buy_x_get_y": ("buy", "get", "percent"),
    "combo": ("slots", "price_minor"),
    "tier_price": ("prices",),
    "threshold_tiers": ("tiers",),
    "every_x_off_y": ("every_minor", "amount_minor", "cap_minor"),
}
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")


def fail(path: str, reason: str) -> ValueError:
    return ValueError(f"{path}: {reason}")


class Obj:
    """A JSON object being read, with its path, refusing unknown keys at the end."""

    def __init__(self, value: object, path: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(value, dict):
            raise fail(path, "must be an object")
        for key in value:
            if key not in allowed:
                raise fail(f"{path}.{key}", "unknown field")
        self.value: dict[str, object] = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def raw(self, key: str) -> object:
        if key not in self.value:
            raise fail(self.at(key), "required")
        return self.value[key]

    def string(self, key: str) -> str:
        return as_str(self.raw(key), self.at(key))

    def opt_string(self, key: str) -> str | None:
        return self.string(key) if self.has(key) else None

    def integer(self, key: str, low: int | None = None, high: int | None = None) -> int:
        return as_int(self.raw(key), self.at(key), low, high)

    def opt_integer(self, key: str, low: int | None = None) -> int | None:
        return self.integer(key, low) if self.has(key) else None

    def int_or(self, key: str, default: int, low: int | None = None) -> int:
        return self.integer(key, low) if self.has(key) else default

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self.value:
            return default
        value = self.value[key]
        if not isinstance(value, bool):
            raise fail(self.at(key), "must be a boolean")
        return value

    def items(self, key: str, read: Callable[[object, str], T], required: bool = False) -> list[T]:
        if key not in self.value and not required:
            return []
        value = self.raw(key)
        if not isinstance(value, list):
            raise fail(self.at(key), "must be a list")
        return [read(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise fail(path, "must be a string")
    return value


def as_int(value: object, path: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, "must be an integer")
    if low is not None and value < low:
        raise fail(path, f"must be >= {low}")
    if high is not None and value > high:
        raise fail(path, f"must be <= {high}")
    return value


def read_shop(value: object) -> Shop:
    obj = Obj(value, "shop", ("utc_offset_minutes", "points"))
    offset = obj.integer("utc_offset_minutes", -1440, 1440)
    points = None
    if obj.has("points"):
        p = Obj(
            obj.raw("points"), obj.at("points"), ("per_block", "value_minor", "max_share_percent")
        )
        points = PointsRule(
            per_block=p.integer("per_block", 1),
            value_minor=p.integer("value_minor", 0),
            max_share_percent=p.integer("max_share_percent", 0, 100),
        )
    return Shop(utc_offset_minutes=offset, points=points)


def read_selector(value: object, path: str, extra: tuple[str, ...] = ()) -> tuple[Selector, Obj]:
    obj = Obj(value, path, ("skus", "categories", *extra))
    selector = Selector(
        skus=tuple(obj.items("skus", as_str)), categories=tuple(obj.items("categories", as_str))
    )
    return selector, obj


def read_slot(value: object, path: str) -> Slot:
    selector, obj = read_selector(value, path, ("quantity",))
    return Slot(selector=selector, quantity=obj.integer("quantity", 1))


def read_time(value: object, path: str) -> int:
    text = as_str(value, path)
    match = _TIME.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise fail(path, 'must be "HH:MM" from 00:00 to 23:59')
    return int(match[1]) * 60 + int(match[2])


def read_window(value: object, path: str) -> Window:
    obj = Obj(value, path, ("start", "end"))
    window = Window(
        read_time(obj.raw("start"), obj.at("start")), read_time(obj.raw("end"), obj.at("end"))
    )
    if window.start == window.end:
        raise fail(obj.at("end"), "must differ from start")
    return window


def read_conditions(value: object, path: str) -> Conditions:
    obj = Obj(
        value,
        path,
        (
            "channels", "stores", "member_tiers", "weekdays", "time_windows", "valid_from_ms",
            "valid_to_ms", "min_quantity", "first_order_only", "coupon",
        ),
    )  # fmt: skip
    return Conditions(
        channels=tuple(obj.items("channels", as_str)),
        stores=tuple(obj.items("stores", as_str)),
        member_tiers=tuple(obj.items("member_tiers", as_str)),
        weekdays=tuple(obj.items("weekdays", lambda v, p: as_int(v, p, 1, 7))),
        time_windows=tuple(obj.items("time_windows", read_window)),
        valid_from_ms=obj.opt_integer("valid_from_ms"),
        valid_to_ms=obj.opt_integer("valid_to_ms"),
        min_quantity=obj.int_or("min_quantity", 0, 0),
        first_order_only=obj.boolean("first_order_only", False),
        coupon=obj.boolean("coupon", False),
    )


def read_tier(value: object, path: str) -> Tier:
    obj = Obj(value, path, ("threshold_minor", "amount_minor"))
    return Tier(obj.integer("threshold_minor", 0), obj.integer("amount_minor", 0))


def read_tiers(obj: Obj) -> tuple[Tier, ...]:
    tiers = obj.items("tiers", read_tier, required=True)
    if not tiers:
        raise fail(obj.at("tiers"), "must not be empty")
    for i, tier in enumerate(tiers):
        here = f"{obj.at('tiers')}[{i}]"
        for j, other in enumerate(tiers[:i]):
            if other.threshold_minor == tier.threshold_minor:
                raise fail(f"{here}.threshold_minor", f"duplicates tiers[{j}].threshold_minor")
            if (tier.threshold_minor - other.threshold_minor) * (
                tier.amount_minor - other.amount_minor
            ) < 0:
                reason = f"a higher threshold than in tiers[{j}] must not have a smaller amount"
                raise fail(f"{here}.amount_minor", reason)
    return tuple(tiers)


def read_prices(obj: Obj) -> dict[str, int]:
    value = obj.raw("prices")
    if not isinstance(value, dict):
        raise fail(obj.at("prices"), "must be an object")
    return {sku: as_int(price, f"{obj.at('prices')}.{sku}", 0) for sku, price in value.items()}


def read_promotion(value: object, path: str) -> Promotion:
    if not isinstance(value, dict):
        raise fail(path, "must be an object")
    kind = as_str(value.get("kind"), f"{path}.kind") if "kind" in value else None
    if kind is None:
        raise fail(f"{path}.kind", "required")
    if kind not in KINDS:
        raise fail(f"{path}.kind", f"unknown kind {kind!r}")
    if kind in ORDER_KINDS_ALWAYS:
        level = "order"
    elif kind in ITEM_KINDS_ALWAYS:
        level = "item"
    else:
        raw_level = value.get("level")
        if raw_level not in ("item", "order"):
            raise fail(f"{path}.level", 'must be "item" or "order"')
        level = str(raw_level)
    allowed = _COMMON + _KIND_FIELDS[kind] + (("stackable",) if level == "item" else ("base",))
    obj = Obj(value, path, allowed)

    promo_id = obj.string("id")
    for budget in (
        "max_uses",
        "max_uses_per_member",
    ):  # the engine enforces them, via remaining_uses
        obj.opt_integer(budget, 1)
    fields: dict[str, object] = {}
    if kind in ("percent_off", "nth_unit", "buy_x_get_y"):
        fields["percent"] = obj.integer("percent", 1, 100)
    if kind in ("amount_off", "every_x_off_y"):
        fields["amount_minor"] = obj.integer("amount_minor", 0)
    if kind == "nth_unit":
        fields["n"] = obj.integer("n", 2)
        discount_on = obj.string("discount_on")
        if discount_on not in ("cheaper", "dearer"):
            raise fail(obj.at("discount_on"), 'must be "cheaper" or "dearer"')
        fields["discount_on"] = discount_on
    if kind == "buy_x_get_y":
        fields["buy"] = read_slot(obj.raw("buy"), obj.at("buy"))
        fields["get"] = read_slot(obj.raw("get"), obj.at("get"))
    if kind == "combo":
        slots = obj.items("slots", read_slot, required=True)
        if not 1 <= len(slots) <= MAX_SLOTS:
            raise fail(obj.at("slots"), f"must have 1..={MAX_SLOTS} slots")
        fields["slots"] = tuple(slots)
        fields["price_minor"] = obj.integer("price_minor", 0)
    if kind == "tier_price":
        fields["prices"] = read_prices(obj)
    if kind == "threshold_tiers":
        fields["tiers"] = read_tiers(obj)
    if kind == "every_x_off_y":
        fields["every_minor"] = obj.integer("every_minor", 1)
        fields["cap_minor"] = obj.opt_integer("cap_minor", 0)
    if level == "order" and obj.has("base"):
        base = obj.string("base")
        if base not in ("after_items", "before_items"):
            raise fail(obj.at("base"), 'must be "after_items" or "before_items"')
        fields["base"] = base

    scope = Selector()
    if obj.has("scope"):
        scope, _ = read_selector(obj.raw("scope"), obj.at("scope"))
    conditions = Conditions()
    if obj.has("conditions"):
        conditions = read_conditions(obj.raw("conditions"), obj.at("conditions"))
    return Promotion(
        id=promo_id,
        name=obj.string("name"),
        kind=kind,
        level=level,
        enabled=obj.boolean("enabled", True),
        priority=obj.int_or("priority", 100),
        group=obj.opt_string("group"),
        exclusive=obj.boolean("exclusive", False),
        stackable=obj.boolean("stackable", False),
        scope=scope,
        conditions=conditions,
        **fields,  # type: ignore[arg-type]
    )


def read_promotions(value: object) -> list[Promotion]:
    if not isinstance(value, list):
        raise fail("promotions", "must be a list")
    promotions: list[Promotion] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        promotion = read_promotion(item, f"promotions[{i}]")
        if promotion.id in seen:
            raise fail(f"promotions[{i}].id", f"duplicates promotions[{seen[promotion.id]}].id")
        seen[promotion.id] = i
        promotions.append(promotion)
    return promotions


def read_line(value: object, path: str) -> Line:
    obj = Obj(
        value,
        path,
        ("line_no", "sku", "category", "quantity", "item_price_minor", "modifiers_price_minor"),
    )
    return Line(
        line_no=obj.integer("line_no", 0),
        sku=obj.string("sku"),
        category=obj.string("category"),
        quantity=obj.integer("quantity", 1),
        item_price_minor=obj.integer("item_price_minor", 0),
        modifiers_price_minor=obj.integer("modifiers_price_minor", 0),
    )


def read_coupon(value: object, path: str) -> Coupon:
    obj = Obj(value, path, ("coupon_id", "promotion_id", "valid_from_ms", "valid_to_ms"))
    return Coupon(
        coupon_id=obj.string("coupon_id"),
        promotion_id=obj.string("promotion_id"),
        valid_from_ms=obj.integer("valid_from_ms"),
        valid_to_ms=obj.integer("valid_to_ms"),
    )


def read_remaining_uses(obj: Obj) -> dict[str, int]:
    if not obj.has("remaining_uses"):
        return {}
    value = obj.raw("remaining_uses")
    if not isinstance(value, dict):
        raise fail(obj.at("remaining_uses"), "must be an object")
    path = obj.at("remaining_uses")
    return {key: as_int(uses, f"{path}.{key}", 0) for key, uses in value.items()}


def read_context(value: object, path: str) -> Context:
    obj = Obj(
        value,
        path,
        (
            "now_ms", "store_id", "channel", "member_tier", "first_order", "wallet",
            "remaining_uses", "points_balance", "points_to_redeem",
        ),
    )  # fmt: skip
    return Context(
        now_ms=obj.integer("now_ms"),
        store_id=obj.string("store_id"),
        channel=obj.string("channel"),
        member_tier=obj.opt_string("member_tier"),
        first_order=obj.boolean("first_order", False),
        wallet=tuple(obj.items("wallet", read_coupon)),
        remaining_uses=read_remaining_uses(obj),
        points_balance=obj.int_or("points_balance", 0, 0),
        points_to_redeem=obj.int_or("points_to_redeem", 0, 0),
    )


def read_cart(value: object) -> Cart:
    obj = Obj(value, "cart", ("lines", "context"))
    lines = obj.items("lines", read_line, required=True)
    seen: dict[int, int] = {}
    for i, line in enumerate(lines):
        if line.line_no in seen:
            raise fail(f"cart.lines[{i}].line_no", f"duplicates cart.lines[{seen[line.line_no]}]")
        seen[line.line_no] = i
    context = read_context(obj.raw("context"), obj.at("context"))
    return Cart(lines=tuple(sorted(lines, key=lambda line: line.line_no)), context=context)
