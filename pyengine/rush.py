"""A seeded peak-rush order generator: when orders arrive, from which channel, with what drinks.

Pure and deterministic: the same menu, seed and count give the same orders, so a demo or a load
test can be rerun and compared. Times are simulated seconds from the start of the rush; turning
them into requests (and compressing time) is the caller's business.

The shape follows the reference shop of the design brief: ~2 orders a minute at rest rising to a
peak (10 a minute by default) and back, 40-60 % from delivery platforms, 1-3 drinks an order.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pyengine.v1 import common_pb2, orders_pb2, store_pb2

# (channel, share of orders, fulfillment)
CHANNEL_MIX: tuple[tuple[int, float, int], ...] = (
    (common_pb2.CHANNEL_COUNTER, 0.15, common_pb2.FULFILLMENT_ASAP),
    (common_pb2.CHANNEL_KIOSK, 0.12, common_pb2.FULFILLMENT_ASAP),
    (common_pb2.CHANNEL_TABLE_QR, 0.10, common_pb2.FULFILLMENT_ASAP),
    (common_pb2.CHANNEL_MINI_PROGRAM, 0.18, common_pb2.FULFILLMENT_ASAP),
    (common_pb2.CHANNEL_MEITUAN, 0.28, common_pb2.FULFILLMENT_DELIVERY),
    (common_pb2.CHANNEL_ELEME, 0.17, common_pb2.FULFILLMENT_DELIVERY),
)
# Milk teas sell best, smoothies least; a category not listed weighs 1.
CATEGORY_WEIGHT = {"milk_tea": 3.0, "fruit_tea": 2.0, "smoothie": 1.0}
DRINKS_PER_ORDER = ((1, 0.50), (2, 0.35), (3, 0.15))
# At most one modifier of each group on a drink.
EXCLUSIVE_GROUPS = (frozenset({"less_ice", "no_ice"}),)
RIDER_MIN_S, RIDER_MAX_S = 12 * 60, 25 * 60  # rider arrival after the order is placed

T = TypeVar("T")


@dataclass(frozen=True)
class PlannedOrder:
    index: int
    at_s: float  # simulated seconds from the start of the rush
    channel: int
    fulfillment: int
    rider_s: int  # DELIVERY: the rider arrives this many simulated seconds after `at_s`; else 0
    lines: tuple[orders_pb2.OrderLine, ...]

    @property
    def channel_order_id(self) -> str:
        short = channel_name(self.channel)
        return f"{short}-{self.index:05d}"


def channel_name(channel: int) -> str:
    return common_pb2.Channel.Name(channel).removeprefix("CHANNEL_").lower()


def arrival_times(n: int, rng: random.Random, base: float = 2.0, peak: float = 10.0) -> list[float]:
    """`n` arrival times (simulated seconds, sorted) of a rush whose rate rises from `base` to
    `peak` orders a minute and falls back: rate(x) = base + (peak - base) * sin(pi x)^2 over the
    rush's length, which is chosen so that the expected count is `n`. Drawn as the order
    statistics of a Poisson process with that rate given n arrivals (inverse-CDF of uniforms)."""
    if n <= 0:
        return []
    mean_rate = base + (peak - base) / 2  # per minute; the mean of sin^2 is 1/2
    length_s = n / mean_rate * 60.0

    def cumulative(x: float) -> float:  # integral of the rate over [0, x], in units of the total
        hump = x / 2 - math.sin(2 * math.pi * x) / (4 * math.pi)
        return (base * x + (peak - base) * hump) / mean_rate

    times = []
    for u in sorted(rng.random() for _ in range(n)):
        lo, hi = 0.0, 1.0
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if cumulative(mid) < u else (lo, mid)
        times.append(lo * length_s)
    return times


def _pick(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    total = 0.0
    cumulative = []
    for _, weight in choices:
        total += weight
        cumulative.append(total)
    return choices[bisect.bisect_right(cumulative, rng.random() * total)][0]


def _modifiers(rng: random.Random, item: store_pb2.MenuItem) -> list[str]:
    chosen: list[str] = []
    for modifier in item.modifiers:
        if not modifier.available:
            continue
        if any(modifier.code in g and g.intersection(chosen) for g in EXCLUSIVE_GROUPS):
            continue
        probability = 0.3 if modifier.price_minor > 0 else 0.2
        if rng.random() < probability:
            chosen.append(modifier.code)
    return chosen


def generate(
    menu: store_pb2.Menu, n: int, seed: int, peak_per_min: float = 10.0
) -> list[PlannedOrder]:
    """`n` orders for the menu's available items, deterministic in (menu, n, seed)."""
    rng = random.Random(seed)
    items = [item for item in menu.items if item.available]
    if not items:
        raise ValueError(f"store {menu.store_id} has no available item")
    item_choices = [(item, CATEGORY_WEIGHT.get(item.category, 1.0)) for item in items]
    channel_choices = [((ch, ful), share) for ch, share, ful in CHANNEL_MIX]
    orders = []
    for index, at_s in enumerate(arrival_times(n, rng, peak=peak_per_min)):
        channel, fulfillment = _pick(rng, channel_choices)
        lines: list[orders_pb2.OrderLine] = []
        for _ in range(_pick(rng, DRINKS_PER_ORDER)):
            item = _pick(rng, item_choices)
            modifiers = _modifiers(rng, item)
            same = [ln for ln in lines if ln.sku == item.sku and list(ln.modifiers) == modifiers]
            if same:
                same[0].quantity += 1  # two identical cups are one line of quantity 2
            else:
                lines.append(orders_pb2.OrderLine(sku=item.sku, quantity=1, modifiers=modifiers))
        delivery = fulfillment == common_pb2.FULFILLMENT_DELIVERY
        rider_s = rng.randint(RIDER_MIN_S, RIDER_MAX_S) if delivery else 0
        orders.append(PlannedOrder(index, at_s, channel, fulfillment, rider_s, tuple(lines)))
    return orders
