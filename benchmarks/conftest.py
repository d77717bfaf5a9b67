"""Collects the benchmark means so that the run ends with a table of ratios measured side by
side in the same run (pytest-benchmark's own table has the absolute numbers)."""

from __future__ import annotations

from typing import Any

import pytest

# case -> implementation -> (mean seconds, answer correct)
RESULTS: dict[str, dict[str, tuple[float, bool]]] = {}
# case -> whether the Rust search finished within its budget (exact best deal)
EXACT: dict[str, bool] = {}
# call -> mean seconds (benchmarks/test_bench_boundary.py)
BOUNDARY: dict[str, float] = {}
# case -> (seconds the reference ran, whether it finished, combinations it would evaluate)
UNFINISHED: dict[str, tuple[float, bool, int]] = {}
# case -> (sorted per-cart nanoseconds, exact answers) over distinct carts
DISTRIBUTIONS: dict[str, tuple[list[int], int]] = {}


def record(case: str, implementation: str, benchmark: Any, correct: bool) -> None:
    RESULTS.setdefault(case, {})[implementation] = (benchmark.stats.stats.mean, correct)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    write = terminalreporter.write_line
    if BOUNDARY:
        write("")
        write("SubmitOrder's Python/Rust boundary, same run (issue 6 target: <= 1 us per order)")
        whole = BOUNDARY.get("Engine.submit_order in-process (core included)")
        for call, mean in BOUNDARY.items():
            share = f"{mean / whole:>6.1%} of a submit" if whole else ""
            write(f"{call:<52} {mean * 1e6:>8.2f} us  {share}")
    if DISTRIBUTIONS:
        write("")
        write("pricing: Rust calculator over distinct carts (each priced once, JSON in and out)")
        write(f"{'case':<52} {'exact':>9} {'p50 us':>8} {'p90 us':>8} {'p99 us':>8} {'max us':>8}")
        for case, (nanos, exact) in sorted(DISTRIBUTIONS.items()):

            def at(percent: int, nanos: list[int] = nanos) -> float:
                return nanos[(len(nanos) - 1) * percent // 100] / 1000

            write(
                f"{case:<52} {f'{exact}/{len(nanos)}':>9} {at(50):>8.0f} {at(90):>8.0f} "
                f"{at(99):>8.0f} {at(100):>8.0f}"
            )
    if not RESULTS:
        return
    write("")
    write("pricing: Rust calculator vs the Python reference, same run")
    write(f"{'case':<52} {'rust us':>10} {'reference us':>14} {'ratio':>9}  correct  exact")
    for case, results in sorted(RESULTS.items()):
        rust = results.get("rust")
        reference = results.get("reference")
        ratio = f"{reference[0] / rust[0]:>8.0f}x" if rust and reference else f"{'-':>9}"
        if rust and not reference and case in UNFINISHED:
            seconds, finished, _ = UNFINISHED[case]
            if not finished:
                # The reference did not finish in `seconds`: the ratio is at least this.
                ratio = f">={seconds / rust[0]:>7.0f}x"
        correct = all(ok for _, ok in results.values())
        exact = EXACT.get(case, True)
        write(
            f"{case:<52} {rust[0] * 1e6 if rust else float('nan'):>10.1f} "
            f"{reference[0] * 1e6 if reference else float('nan'):>14.1f} {ratio}  "
            f"{correct!s:<7}  {exact}"
        )
    for case, (seconds, finished, size) in sorted(UNFINISHED.items()):
        state = "finished" if finished else "stopped unfinished"
        write(
            f"reference on {case}: {state} after {seconds:.1f} s; the brute force would evaluate "
            f"{size:.2e} combinations"
        )
