"""Brute-force search for the best combination, then the answer (docs/promotions.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pyengine.promotions_reference._evaluate import Combination, Evaluation, evaluate, order_base
from pyengine.promotions_reference._model import Cart, Promotion, Shop, Unit, units_of
from pyengine.promotions_reference._rules import applied_tier, eligible, largest_remainder

DAY_MS = 86_400_000
REASON_WORDS = {
    "disabled": "disabled",
    "outside_dates": "outside its validity dates",
    "outside_time": "outside its time window or weekday",
    "channel": "not on this channel",
    "store": "not in this store",
    "member_tier": "not for this member tier",
    "first_order_only": "first order only",
    "coupon_missing": "coupon not in wallet",
    "no_uses_left": "no uses left",
    "no_eligible_items": "no eligible items",
    "min_quantity": "min quantity not met",
    "threshold_not_reached": "threshold not reached",
    "excluded_by_exclusive": "excluded by an exclusive promotion",
    "group_conflict": "another promotion of its group was better",
    "no_benefit": "no benefit in the best combination",
}


def static_reason(promotion: Promotion, shop: Shop, cart: Cart, units: list[Unit]) -> str | None:
    """The first reason that makes the promotion inapplicable, or None if it is applicable."""
    c, ctx = promotion.conditions, cart.context
    local_ms = ctx.now_ms + shop.utc_offset_minutes * 60_000
    weekday = (local_ms // DAY_MS + 3) % 7 + 1  # day 0, 1970-01-01, was a Thursday (4)
    minute = local_ms % DAY_MS // 60_000
    eligible_units = sum(1 for unit in units if eligible(promotion, unit.line))
    if not promotion.enabled:
        return "disabled"
    if (c.valid_from_ms is not None and ctx.now_ms < c.valid_from_ms) or (
        c.valid_to_ms is not None and ctx.now_ms >= c.valid_to_ms
    ):
        return "outside_dates"
    if (c.weekdays and weekday not in c.weekdays) or (
        c.time_windows and not any(window.contains(minute) for window in c.time_windows)
    ):
        return "outside_time"
    if c.channels and ctx.channel not in c.channels:
        return "channel"
    if c.stores and ctx.store_id not in c.stores:
        return "store"
    if c.member_tiers and ctx.member_tier not in c.member_tiers:
        return "member_tier"
    if c.first_order_only and not ctx.first_order:
        return "first_order_only"
    if c.coupon and not any(
        coupon.promotion_id == promotion.id
        and coupon.valid_from_ms <= ctx.now_ms < coupon.valid_to_ms
        for coupon in ctx.wallet
    ):
        return "coupon_missing"
    if ctx.remaining_uses.get(promotion.id, 1) <= 0:
        return "no_uses_left"
    if eligible_units == 0:
        return "no_eligible_items"
    if eligible_units < c.min_quantity:
        return "min_quantity"
    return None


def allowed_sets(applicable: list[Promotion]) -> Iterator[tuple[Promotion, ...]]:
    """Every allowed S: each exclusive promotion alone; and the shared combinations: every
    non-exclusive promotion without a group, plus none or one of each group's."""
    shared = [p for p in applicable if not p.exclusive]
    forced = [p for p in shared if p.group is None]
    groups: dict[str, list[Promotion]] = {}
    for p in shared:
        if p.group is not None:
            groups.setdefault(p.group, []).append(p)
    options: list[list[Promotion | None]] = [[None, *members] for members in groups.values()]
    for chosen in itertools.product(*options):
        subset = forced + [p for p in chosen if p is not None]
        yield tuple(sorted(subset, key=lambda p: p.order_key))
    for p in applicable:
        if p.exclusive:
            yield (p,)


def assignments(
    promotions: tuple[Promotion, ...], units: list[Unit], labels: dict[str, int]
) -> Iterator[tuple[int, ...]]:
    """Every assignment vector: each unit to 0 or to an eligible non-stackable item promotion
    of S, named by its label (1-based position among all promotions in (priority, id) order)."""
    claimers = [p for p in promotions if p.is_item_level and not p.stackable]
    choices = [[0] + [labels[p.id] for p in claimers if eligible(p, unit.line)] for unit in units]
    return itertools.product(*choices)


def vector_labels(promotions: list[Promotion]) -> dict[str, int]:
    """Each promotion's label in assignment vectors (docs/promotions.md, "The best deal")."""
    ordered = sorted(promotions, key=lambda p: p.order_key)
    return {p.id: position + 1 for position, p in enumerate(ordered)}


def search_size(shop: Shop, promotions: list[Promotion], cart: Cart) -> int:
    """How many combinations the brute force evaluates (to keep tests within their time)."""
    units = units_of(cart)
    applicable = [p for p in promotions if static_reason(p, shop, cart, units) is None]
    total = 0
    for subset in allowed_sets(applicable):
        claimers = [p for p in subset if p.is_item_level and not p.stackable]
        count = 1
        for unit in units:
            count *= 1 + sum(1 for p in claimers if eligible(p, unit.line))
        total += count
    return total


def best_combination(
    cart: Cart, units: list[Unit], applicable: list[Promotion], labels: dict[str, int]
) -> Evaluation:
    best: Evaluation | None = None
    for subset in allowed_sets(applicable):
        for assignment in assignments(subset, units, labels):
            candidate = evaluate(cart, units, Combination(subset, assignment), labels)
            if any(
                labels[p.id] in assignment and candidate.amount(p.id) == 0
                for p in candidate.combination.claimers
            ):
                continue  # a promotion that takes nothing off claims no unit
            if best is None or candidate.sort_key() < best.sort_key():
                best = candidate
    assert best is not None  # the empty set is always allowed
    return best


def money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def price_model(shop: Shop, promotions: list[Promotion], cart: Cart) -> dict[str, Any]:
    units = units_of(cart)
    reasons: dict[str, str] = {}
    applicable = []
    for promotion in promotions:
        reason = static_reason(promotion, shop, cart, units)
        if reason is None:
            applicable.append(promotion)
        else:
            reasons[promotion.id] = reason
    best = best_combination(cart, units, applicable, vector_labels(promotions))
    applied = best.applied
    applied_ids = {p.id for p in applied}

    near_misses = []
    for promotion in applicable:
        base = order_base(promotion, units, best.item_prices) if not promotion.is_item_level else 0
        if promotion.id in applied_ids:
            if promotion.kind == "threshold_tiers":
                tier = applied_tier(promotion.tiers, base)
                above = [t for t in promotion.tiers if t.threshold_minor > base]
                if tier is not None and above:
                    step = min(above, key=lambda t: t.threshold_minor)
                    near_misses.append(
                        (
                            promotion.id,
                            step.threshold_minor - base,
                            step.amount_minor - tier.amount_minor,
                        )
                    )
            continue
        reasons[promotion.id] = combination_reason(promotion, best, base)
        if reasons[promotion.id] == "threshold_not_reached":
            if promotion.kind == "threshold_tiers":
                lowest = min(promotion.tiers, key=lambda t: t.threshold_minor)
                near_misses.append(
                    (promotion.id, lowest.threshold_minor - base, lowest.amount_minor)
                )
            else:
                extra = promotion.amount_minor
                if promotion.cap_minor is not None:
                    extra = min(extra, promotion.cap_minor)
                near_misses.append((promotion.id, promotion.every_minor - base, extra))

    # 3. Points, over all lines in proportion to their nets.
    nets = dict(best.line_nets)
    remaining = sum(nets.values())
    ctx = cart.context
    blocks, points_value = 0, 0
    if shop.points is not None:
        rule = shop.points
        blocks = min(ctx.points_to_redeem, ctx.points_balance) // rule.per_block
        while blocks * rule.value_minor > remaining * rule.max_share_percent // 100:
            blocks -= 1
        points_value = blocks * rule.value_minor
        shares = largest_remainder(points_value, [nets[line.line_no] for line in cart.lines])
        for line, share in zip(cart.lines, shares, strict=True):
            nets[line.line_no] -= share
    points_used = blocks * shop.points.per_block if shop.points is not None else 0

    lines = []
    for line in cart.lines:
        gross = line.unit_price * line.quantity
        net = nets[line.line_no]
        assert 0 <= net <= gross
        lines.append(
            {
                "line_no": line.line_no,
                "gross_minor": gross,
                "discount_minor": gross - net,
                "net_minor": net,
            }
        )
    subtotal = sum(entry["gross_minor"] for entry in lines)
    total = sum(entry["net_minor"] for entry in lines)
    return {
        "lines": lines,
        "subtotal_minor": subtotal,
        "discount_minor": subtotal - total,
        "total_minor": total,
        "points_used": points_used,
        "points_value_minor": points_value,
        "applied": [applied_entry(p, best) for p in applied],
        "not_applied": [
            {
                "id": pid,
                "reason": reason,
                "explanation": f"{name_of(promotions, pid)}: {REASON_WORDS[reason]}",
            }
            for pid, reason in sorted(reasons.items())
        ],
        "near_misses": [
            {"id": pid, "add_minor": add, "extra_discount_minor": extra}
            for pid, add, extra in sorted(near_misses)
        ],
        "exact": True,
    }


def combination_reason(promotion: Promotion, best: Evaluation, base: int) -> str:
    """Why an applicable promotion is not applied, given the best combination."""
    if any(p.exclusive and p.id != promotion.id for p in best.combination.promotions):
        return "excluded_by_exclusive"
    if promotion.group is not None and any(
        p.group == promotion.group and p.id != promotion.id for p in best.applied
    ):
        return "group_conflict"
    if promotion.kind == "threshold_tiers" and base < min(
        t.threshold_minor for t in promotion.tiers
    ):
        return "threshold_not_reached"
    if promotion.kind == "every_x_off_y" and base < promotion.every_minor:
        return "threshold_not_reached"
    return "no_benefit"


def name_of(promotions: list[Promotion], promotion_id: str) -> str:
    return next(p.name for p in promotions if p.id == promotion_id)


def applied_entry(promotion: Promotion, best: Evaluation) -> dict[str, Any]:
    amount = best.amount(promotion.id)
    return {
        "id": promotion.id,
        "name": promotion.name,
        "amount_minor": amount,
        "lines": [
            {"line_no": line_no, "amount_minor": share}
            for line_no, share in sorted(best.amounts[promotion.id].items())
            if share > 0
        ],
        "explanation": f"{promotion.name}: {promotion.kind} (-{money(amount)})",
    }
