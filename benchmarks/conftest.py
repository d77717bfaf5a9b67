"""Collects the benchmark means so that the run ends with a table of ratios measured side by
side in the same run (pytest-benchmark's own table has the absolute numbers)."""

from __future__ import annotations

from typing import Any

import pytest

# case -> implementation -> (mean seconds, answer correct)
RESULTS: dict[str, dict[str, tuple[float, bool]]] = {}
# case -> whether the Rust search finished within its budget (exact best deal)
EXACT: dict[str, bool] = {}


def record(case: str, implementation: str, benchmark: Any, correct: bool) -> None:
    RESULTS.setdefault(case, {})[implementation] = (benchmark.stats.stats.mean, correct)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write("pricing: Rust calculator vs the Python reference, same run")
    write(f"{'case':<40} {'rust us':>10} {'reference us':>14} {'ratio':>9}  correct  exact")
    for case, results in sorted(RESULTS.items()):
        rust = results.get("rust")
        reference = results.get("reference")
        ratio = f"{reference[0] / rust[0]:>8.0f}x" if rust and reference else f"{'-':>9}"
        correct = all(ok for _, ok in results.values())
        exact = EXACT.get(case, True)
        write(
            f"{case:<40} {rust[0] * 1e6 if rust else float('nan'):>10.1f} "
            f"{reference[0] * 1e6 if reference else float('nan'):>14.1f} {ratio}  "
            f"{correct!s:<7}  {exact}"
        )
