"""The validated inputs of the reference calculator: plain frozen dataclasses, money in fen."""

from __future__ import annotations

from dataclasses import dataclass, field

ITEM_KINDS_ALWAYS = ("nth_unit", "buy_x_get_y", "combo", "tier_price")
ORDER_KINDS_ALWAYS = ("threshold_tiers", "every_x_off_y")
LEVELLED_KINDS = ("percent_off", "amount_off")
KINDS = LEVELLED_KINDS + ITEM_KINDS_ALWAYS + ORDER_KINDS_ALWAYS


@dataclass(frozen=True)
class Selector:
    """A set of units by sku or category; both lists empty = every unit."""

    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def matches(self, sku: str, category: str) -> bool:
        if not self.skus and not self.categories:
            return True
        return sku in self.skus or category in self.categories


@dataclass(frozen=True)
class Slot:
    """A combo slot, or the buy / get set of a buy_x_get_y."""

    selector: Selector
    quantity: int


@dataclass(frozen=True)
class Window:
    """A local time window in minutes of the day, start inclusive, end exclusive."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end  # wraps midnight


@dataclass(frozen=True)
class Conditions:
    channels: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    member_tiers: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    time_windows: tuple[Window, ...] = ()
    valid_from_ms: int | None = None
    valid_to_ms: int | None = None
    min_quantity: int = 0
    first_order_only: bool = False
    coupon: bool = False


@dataclass(frozen=True)
class Tier:
    threshold_minor: int
    amount_minor: int


@dataclass(frozen=True)
class Promotion:
    """One promotion; the parameters of other kinds keep their defaults."""

    id: str
    name: str
    kind: str
    level: str  # "item" or "order", derived from the kind where it is implied
    enabled: bool = True
    priority: int = 100
    group: str | None = None
    exclusive: bool = False
    stackable: bool = False
    scope: Selector = Selector()
    conditions: Conditions = Conditions()
    percent: int = 0
    amount_minor: int = 0
    n: int = 0
    discount_on: str = ""
    buy: Slot | None = None
    get: Slot | None = None
    slots: tuple[Slot, ...] = ()
    price_minor: int = 0
    prices: dict[str, int] = field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()
    every_minor: int = 0
    cap_minor: int | None = None
    base: str = "after_items"

    @property
    def order_key(self) -> tuple[int, str]:
        """Where order matters: lower priority first, ties by id."""
        return (self.priority, self.id)

    @property
    def is_item_level(self) -> bool:
        return self.level == "item"


@dataclass(frozen=True)
class PointsRule:
    per_block: int
    value_minor: int
    max_share_percent: int


@dataclass(frozen=True)
class Shop:
    utc_offset_minutes: int
    points: PointsRule | None


@dataclass(frozen=True)
class Line:
    line_no: int
    sku: str
    category: str
    quantity: int
    item_price_minor: int
    modifiers_price_minor: int

    @property
    def unit_price(self) -> int:
        return self.item_price_minor + self.modifiers_price_minor


@dataclass(frozen=True)
class Coupon:
    coupon_id: str
    promotion_id: str
    valid_from_ms: int
    valid_to_ms: int


@dataclass(frozen=True)
class Context:
    now_ms: int
    store_id: str
    channel: str
    member_tier: str | None
    first_order: bool
    wallet: tuple[Coupon, ...]
    remaining_uses: dict[str, int]
    points_balance: int
    points_to_redeem: int


@dataclass(frozen=True)
class Cart:
    lines: tuple[Line, ...]  # sorted by line_no
    context: Context


@dataclass(frozen=True)
class Unit:
    """One unit of a line; units are listed in canonical order (line_no, k)."""

    line: Line
    k: int

    @property
    def unit_price(self) -> int:
        return self.line.unit_price


def units_of(cart: Cart) -> list[Unit]:
    """Every unit of the cart in canonical order (the lines are sorted by line_no)."""
    return [Unit(line, k) for line in cart.lines for k in range(line.quantity)]
