"""The reference (oracle) implementation of the promotion and price calculator.

Slow and obvious on purpose (style rule 12): it follows docs/promotions.md literally and finds "the
best deal" by brute force, evaluating every allowed set of applicable promotions with every
assignment of units to its non-stackable item-level promotions. Exponential: meant for the small
carts of the differential tests (against the Rust `pyengine._native.PriceCalculator`) and as the
benchmark baseline, never for serving.

- `_model`: the validated inputs (frozen dataclasses, money in integer fen);
- `_validate`: JSON -> model, refusing bad input with a `ValueError` naming the field first;
- `_rules`: what each promotion kind does, eligibility, the largest-remainder split;
- `_evaluate`: one combination through the item and order stages, and its tie-break key;
- `_price`: applicability, the brute-force search, points, reasons, near misses, the answer.
"""

from __future__ import annotations

from typing import Any

from pyengine.promotions_reference._price import price_model
from pyengine.promotions_reference._price import search_size as _search_size
from pyengine.promotions_reference._validate import read_cart, read_promotions, read_shop

__all__ = ["price", "search_size"]


def price(
    shop: dict[str, Any], promotions: list[dict[str, Any]], cart: dict[str, Any]
) -> dict[str, Any]:
    """Price `cart` under `promotions`: the contract's answer JSON (as Python values).

    Raises `ValueError("<field path>: <reason>")` for input the contract refuses.
    """
    return price_model(read_shop(shop), read_promotions(promotions), read_cart(cart))


def search_size(
    shop: dict[str, Any], promotions: list[dict[str, Any]], cart: dict[str, Any]
) -> int:
    """How many combinations `price` would evaluate for these inputs (a cost estimate for tests)."""
    return _search_size(read_shop(shop), read_promotions(promotions), read_cart(cart))
