"""Pricing benchmarks (`make bench`; not part of `make test`). Speed is reported, never asserted;
correctness is checked beside every timing.

- The Rust calculator on the issue's workload: a 10-line cart against 100 active promotions,
  exact best deal.
- The Rust calculator on the distribution of many distinct carts per promotion mix (the
  generators of `workload.py`): how many answers are exact and the per-cart latency percentiles
  through the Python boundary (JSON in, JSON out), reported at the end of the run.
- The Rust calculator against the plain-Python reference on carts the reference can finish (it is
  a brute force, exponential in units and promotions): same inputs, answers compared, ratio
  reported at the end of the run per cart size.
- The issue's cart (10 lines, 100 promotions) against the reference too: the reference runs in a
  child process for at most REFERENCE_LIMIT_S and does not finish, so the ratio is reported as a
  lower bound (the limit over the Rust calculator's mean), with the number of combinations the
  brute force would have to evaluate.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from typing import Any

import pytest

from benchmarks.conftest import DISTRIBUTIONS, EXACT, UNFINISHED, record
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


REFERENCE_LIMIT_S = 10.0


def _reference_in_child(shop: Any, promos: Any, the_cart: Any) -> None:
    promotions_reference.price(shop, promos, the_cart)


@pytest.mark.parametrize(
    ("case", "menu"), [("realistic", WIDE_MENU), ("dense", MENU)], ids=["realistic", "dense"]
)
def test_reference_on_10_lines_100_promotions(benchmark: Any, case: str, menu: list[Any]) -> None:
    """The reference on the issue's cart, in a child process stopped at REFERENCE_LIMIT_S."""
    promos, the_cart = promotions(100, seed=7, menu=menu), cart(10, seed=7, menu=menu)

    def attempt() -> tuple[float, bool]:
        child = multiprocessing.get_context("spawn").Process(
            target=_reference_in_child, args=(SHOP, promos, the_cart), daemon=True
        )
        start = time.perf_counter()
        child.start()
        child.join(REFERENCE_LIMIT_S)
        elapsed = time.perf_counter() - start
        finished = not child.is_alive()
        if not finished:
            child.kill()
            child.join()
        return elapsed, finished

    elapsed, finished = benchmark.pedantic(attempt, rounds=1, iterations=1)
    size = promotions_reference.search_size(SHOP, promos, the_cart)
    UNFINISHED[f"10 lines x 100 promotions, {case}"] = (elapsed, finished, size)
    # The reference is a brute force over every combination: it cannot finish these.
    assert size > 10**9


MIXES = [
    ("realistic, promotions seed 7", WIDE_MENU, 7),
    ("realistic, promotions seed 8", WIDE_MENU, 8),
    ("realistic, promotions seed 9", WIDE_MENU, 9),
    ("dense, promotions seed 7", MENU, 7),
]
CARTS = 200


@pytest.mark.parametrize(("case", "menu", "seed"), MIXES, ids=[m[0] for m in MIXES])
def test_rust_distribution_over_carts(
    benchmark: Any, case: str, menu: list[Any], seed: int
) -> None:
    """Each of CARTS distinct 10-line carts priced once against 100 promotions of the mix."""
    calculator = _native.PriceCalculator(
        json.dumps(SHOP), json.dumps(promotions(100, seed=seed, menu=menu))
    )
    carts = [json.dumps(cart(10, seed=n, menu=menu)) for n in range(CARTS)]

    def sweep() -> tuple[list[int], int, bool]:
        nanos, exact, ok = [], 0, True
        for cart_json in carts:
            start = time.perf_counter_ns()
            out = calculator.price(cart_json)
            nanos.append(time.perf_counter_ns() - start)
            answer = json.loads(out)
            exact += answer["exact"]
            ok = ok and consistent(answer)
        return nanos, exact, ok

    nanos, exact, ok = benchmark.pedantic(sweep, rounds=1, iterations=1)
    DISTRIBUTIONS[f"10 lines x 100 promotions, {case}"] = (sorted(nanos), exact)
    assert ok


# lines, promotions, seed: the reference's time grows with the combinations it evaluates
SMALL = [(2, 4, 1), (3, 6, 2), (4, 6, 3), (5, 8, 5), (6, 8, 6), (5, 6, 4)]


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
    size = promotions_reference.search_size(shop, promos, the_cart)
    case = f"{lines} lines x {count} promotions ({size} combinations)"
    record(case, implementation, benchmark, same)
    assert same
