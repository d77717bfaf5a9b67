"""The locust load test, run briefly: it starts its own server, every kind of user runs, orders
are accepted, nothing fails (orders the shop sheds under load are not failures), and every
accepted order is found after a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_loadtest_runs_without_failures(tmp_path: Path) -> None:
    out = tmp_path / "loadtest"
    command = [
        sys.executable, "-m", "loadtests.run",
        "--duration", "12", "--peak-users", "12", "--quiet-users", "4",
        "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failures"] == 0, summary
    assert summary["orders_accepted"] > 0, summary
    assert summary["ticket_events"] > 0, summary
    # Every accepted order is known to the server after a restart (none lost).
    assert summary["orders_acknowledged"] > 0, summary
    assert summary["orders_missing_after_restart"] == 0, summary
    assert (out / "report.html").stat().st_size > 0
    assert (out / "locust_stats.csv").exists()
