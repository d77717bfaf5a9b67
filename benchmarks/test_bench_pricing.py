"""Pricing benchmarks (`make bench`; not part of `make test`). Speed is reported, never asserted;
correctness is checked beside every timing.

- The Rust calculator on the issue's workload: a 10-line cart against 100 active promotions,
  exact best deal.
- The Rust calculator against the plain-Python reference on carts the reference can finish (it is
  a brute force, exponential in units and promotions): same inputs, answers compared, ratio
  reported at the end of the run.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmarks.conftest import EXACT, record
from benchmarks.workload import MENU, SHOP, WIDE_MENU, cart, promotions
from pyengine import _native, promotions_reference


def consistent(answer: dict[str, Any]) -> bool:
    """Invariants every answer must satisfy (the differential tests check exact agreement)."""
    lines = answer["lines"]
    return (
        all(line["net_minor"] >= 0 for line in lines)
        and answer["total_minor"] == sum(line["net_minor"] for line in lines)
        and answer["subtotal_minor"] - answer["discount_minor"] == answer["total_minor"]
    )


@pytest.mark.parametrize(
    ("case", "menu"), [("realistic", WIDE_MENU), ("dense", MENU)], ids=["realistic", "dense"]
)
def test_rust_10_lines_100_promotions(benchmark: Any, case: str, menu: list[Any]) -> None:
    calculator = _native.PriceCalculator(
        json.dumps(SHOP), json.dumps(promotions(100, seed=7, menu=menu))
    )
    cart_json = json.dumps(cart(10, seed=7, menu=menu))
    answer = json.loads(benchmark(calculator.price, cart_json))
    record(f"10 lines x 100 promotions, {case}", "rust", benchmark, consistent(answer))
    EXACT[f"10 lines x 100 promotions, {case}"] = answer["exact"]
    assert consistent(answer)


SMALL = [(2, 4, 1), (3, 6, 2), (4, 6, 3)]  # lines, promotions, seed


@pytest.mark.parametrize(("lines", "count", "seed"), SMALL)
@pytest.mark.parametrize("implementation", ["rust", "reference"])
def test_small_carts_side_by_side(
    benchmark: Any, implementation: str, lines: int, count: int, seed: int
) -> None:
    shop, promos, the_cart = SHOP, promotions(count, seed), cart(lines, seed, max_quantity=2)
    expected = promotions_reference.price(shop, promos, the_cart)
    if implementation == "rust":
        calculator = _native.PriceCalculator(json.dumps(shop), json.dumps(promos))
        cart_json = json.dumps(the_cart)
        answer = json.loads(benchmark(calculator.price, cart_json))
    else:
        answer = benchmark(promotions_reference.price, shop, promos, the_cart)
    same = {k: v for k, v in answer.items() if k != "applied"} == {
        k: v for k, v in expected.items() if k != "applied"
    } and [(a["id"], a["amount_minor"]) for a in answer["applied"]] == [
        (a["id"], a["amount_minor"]) for a in expected["applied"]
    ]
    record(f"{lines} lines x {count} promotions", implementation, benchmark, same)
    assert same
