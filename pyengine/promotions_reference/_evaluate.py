"""Evaluate one combination (docs/promotions.md, "Evaluating a combination"), stages 1 and 2."""

from __future__ import annotations

from dataclasses import dataclass

from pyengine.promotions_reference._model import Cart, Promotion, Unit
from pyengine.promotions_reference._rules import (
    eligible,
    item_discounts,
    largest_remainder,
    order_discount,
)


@dataclass(frozen=True)
class Combination:
    """A set S of promotions (sorted by (priority, id)) and an assignment of units.

    `assignment[u]` is the label of the non-stackable item-level promotion of S that claims unit
    u (its 1-based position among all the promotions in (priority, id) order), 0 for none:
    exactly the contract's assignment vector.
    """

    promotions: tuple[Promotion, ...]
    assignment: tuple[int, ...]

    @property
    def claimers(self) -> list[Promotion]:
        return [p for p in self.promotions if p.is_item_level and not p.stackable]


@dataclass(frozen=True)
class Evaluation:
    combination: Combination
    item_prices: list[int]  # unit prices after the item stage, per unit
    line_nets: dict[int, int]  # line_no -> net after the order stage (before points)
    amounts: dict[str, dict[int, int]]  # promotion id -> line_no -> amount (zeros kept)

    def amount(self, promotion_id: str) -> int:
        return sum(self.amounts[promotion_id].values())

    @property
    def value(self) -> int:
        return sum(self.amount(p.id) for p in self.combination.promotions)

    @property
    def applied(self) -> list[Promotion]:
        """The promotions of S with a nonzero discount, in application order."""
        ordered = [p for p in self.combination.promotions if p.is_item_level] + [
            p for p in self.combination.promotions if not p.is_item_level
        ]
        return [p for p in ordered if self.amount(p.id) > 0]

    def sort_key(self) -> tuple[int, tuple[int, ...], bool, int, tuple[str, ...]]:
        """The best combination has the smallest key (docs/promotions.md, "The best deal")."""
        s_ids = tuple(sorted(p.id for p in self.combination.promotions))
        return (
            -self.value,
            self.combination.assignment,
            any(p.exclusive for p in self.combination.promotions),
            len(s_ids),
            s_ids,
        )


def order_base(promotion: Promotion, units: list[Unit], item_prices: list[int]) -> int:
    """An order-level promotion's base: its eligible units after the item stage, or before it."""
    return sum(
        item_prices[u] if promotion.base == "after_items" else unit.unit_price
        for u, unit in enumerate(units)
        if eligible(promotion, unit.line)
    )


def evaluate(
    cart: Cart, units: list[Unit], combination: Combination, labels: dict[str, int]
) -> Evaluation:
    promotions = combination.promotions
    current = [unit.unit_price for unit in units]
    amounts: dict[str, dict[int, int]] = {p.id: {} for p in promotions}

    # 1. Item stage, in (priority, id) order, on current prices.
    for promotion in promotions:
        if not promotion.is_item_level:
            continue
        if promotion.stackable:
            its_units = [
                u
                for u, unit in enumerate(units)
                if eligible(promotion, unit.line) and combination.assignment[u] == 0
            ]
        else:
            label = labels[promotion.id]
            its_units = [u for u in range(len(units)) if combination.assignment[u] == label]
        for u, discount in item_discounts(promotion, its_units, units, current).items():
            assert 0 <= discount <= current[u]
            current[u] -= discount
            line_no = units[u].line.line_no
            amounts[promotion.id][line_no] = amounts[promotion.id].get(line_no, 0) + discount
    item_prices = list(current)

    # 2. Order stage, in (priority, id) order; each capped by what its eligible lines have left.
    nets = {line.line_no: 0 for line in cart.lines}
    for u, unit in enumerate(units):
        nets[unit.line.line_no] += current[u]
    for promotion in promotions:
        if promotion.is_item_level:
            continue
        lines = [line for line in cart.lines if eligible(promotion, line)]  # by line_no
        left = sum(nets[line.line_no] for line in lines)
        d = min(order_discount(promotion, order_base(promotion, units, item_prices)), left)
        shares = largest_remainder(d, [nets[line.line_no] for line in lines])
        for line, share in zip(lines, shares, strict=True):
            assert share <= nets[line.line_no]
            nets[line.line_no] -= share
            amounts[promotion.id][line.line_no] = share
    return Evaluation(combination, item_prices, nets, amounts)
