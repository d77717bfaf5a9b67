"""What each promotion kind does, written out as the contract says it (docs/promotions.md, Kinds).

Item-level rules take "its units" (indices into the canonical unit list) and the units' current
prices, and return the discount of every unit they discount. Order-level rules turn a base into a
discount. Integers only: every division is floor division.
"""

from __future__ import annotations

from pyengine.promotions_reference._model import Line, Promotion, Slot, Tier, Unit


def eligible(promotion: Promotion, line: Line) -> bool:
    """Whether the units of `line` are eligible for `promotion` (all units of a line are alike)."""
    if not promotion.scope.matches(line.sku, line.category):
        return False
    if promotion.kind == "buy_x_get_y":
        assert promotion.buy is not None and promotion.get is not None
        return matches(promotion.buy, line) or matches(promotion.get, line)
    if promotion.kind == "combo":
        return any(matches(slot, line) for slot in promotion.slots)
    if promotion.kind == "tier_price":
        return line.sku in promotion.prices
    return True


def matches(slot: Slot, line: Line) -> bool:
    return slot.selector.matches(line.sku, line.category)


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` (listed in tie-break order).

    Shares `floor(total * w / W)`; the leftover goes one unit each to the largest remainders
    `(total * w) mod W`, ties to the earlier entry; `W = 0`: everything to the first entry.
    """
    if not weights:
        assert total == 0, "nothing to split over"
        return []
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    shares = [total * w // whole for w in weights]
    leftover = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares


def percent_of(price: int, percent: int) -> int:
    return price * percent // 100


def item_discounts(
    promotion: Promotion, its_units: list[int], units: list[Unit], current: list[int]
) -> dict[int, int]:
    """Unit index -> discount, for an item-level promotion applied to `its_units`."""
    kind = promotion.kind
    its_units = sorted(its_units)  # canonical order
    if kind == "percent_off":
        return {u: percent_of(current[u], promotion.percent) for u in its_units}
    if kind == "amount_off":
        return {u: min(promotion.amount_minor, current[u]) for u in its_units}
    if kind == "nth_unit":
        return _nth_unit(promotion, its_units, units, current)
    if kind == "buy_x_get_y":
        return _buy_x_get_y(promotion, its_units, units, current)
    if kind == "combo":
        return _combo(promotion, its_units, units, current)
    if kind == "tier_price":
        out: dict[int, int] = {}
        for u in its_units:
            line = units[u].line
            tier_price = promotion.prices[line.sku]
            out[u] = min(max(0, line.item_price_minor - tier_price), current[u])
        return out
    raise AssertionError(f"not an item-level kind: {kind}")


def _cheapest_first(its_units: list[int], units: list[Unit]) -> list[int]:
    return sorted(its_units, key=lambda u: (units[u].unit_price, u))


def _dearest_first(its_units: list[int], units: list[Unit]) -> list[int]:
    return sorted(its_units, key=lambda u: (-units[u].unit_price, u))


def _nth_unit(
    promotion: Promotion, its_units: list[int], units: list[Unit], current: list[int]
) -> dict[int, int]:
    if promotion.discount_on == "cheaper":
        ordered = _dearest_first(its_units, units)
    else:
        ordered = _cheapest_first(its_units, units)
    n = promotion.n
    out: dict[int, int] = {}
    for group in range(len(ordered) // n):  # full groups only
        last = ordered[group * n + n - 1]
        out[last] = percent_of(current[last], promotion.percent)
    return out


def _buy_x_get_y(
    promotion: Promotion, its_units: list[int], units: list[Unit], current: list[int]
) -> dict[int, int]:
    buy, get = promotion.buy, promotion.get
    assert buy is not None and get is not None
    unused = list(its_units)
    out: dict[int, int] = {}
    while True:
        get_candidates = [u for u in unused if matches(get, units[u].line)]
        gets = _cheapest_first(get_candidates, units)[: get.quantity]
        if len(gets) < get.quantity:
            break
        buy_candidates = [u for u in unused if u not in gets and matches(buy, units[u].line)]
        buys = _dearest_first(buy_candidates, units)[: buy.quantity]
        if len(buys) < buy.quantity:
            break
        for u in gets:
            out[u] = percent_of(current[u], promotion.percent)
        unused = [u for u in unused if u not in gets and u not in buys]
    return out


def _combo(
    promotion: Promotion, its_units: list[int], units: list[Unit], current: list[int]
) -> dict[int, int]:
    unused = list(its_units)
    out: dict[int, int] = {}
    while True:
        instance: list[int] = []
        for slot in promotion.slots:
            candidates = [u for u in unused if u not in instance and matches(slot, units[u].line)]
            taken = _dearest_first(candidates, units)[: slot.quantity]
            if len(taken) < slot.quantity:
                return out
            instance += taken
        unused = [u for u in unused if u not in instance]
        instance.sort()  # canonical order for the split's ties
        total = sum(current[u] for u in instance)
        if total > promotion.price_minor:
            shares = largest_remainder(
                total - promotion.price_minor, [current[u] for u in instance]
            )
            for u, share in zip(instance, shares, strict=True):
                out[u] = share
        # else: dropped; its units get nothing and stay used


def applied_tier(tiers: tuple[Tier, ...], base: int) -> Tier | None:
    """The tier with the highest threshold <= base, if any."""
    reached = [tier for tier in tiers if tier.threshold_minor <= base]
    return max(reached, key=lambda tier: tier.threshold_minor) if reached else None


def order_discount(promotion: Promotion, base: int) -> int:
    """An order-level promotion's discount from its base, before the cap by its eligible lines."""
    kind = promotion.kind
    if kind == "percent_off":
        return percent_of(base, promotion.percent)
    if kind == "amount_off":
        return promotion.amount_minor
    if kind == "threshold_tiers":
        tier = applied_tier(promotion.tiers, base)
        return 0 if tier is None else tier.amount_minor
    if kind == "every_x_off_y":
        discount = base // promotion.every_minor * promotion.amount_minor
        if promotion.cap_minor is not None:
            discount = min(discount, promotion.cap_minor)
        return discount
    raise AssertionError(f"not an order-level kind: {kind}")
