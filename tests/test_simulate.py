"""`pyengine simulate` through the CLI: the JSON on the last line has every figure, with sane
values; the same seed gives the same JSON; bad parameters are refused naming the field. Short
rushes only (a few simulated minutes), no timing assertions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyengine import _native, shop
from pyengine.cli import main

FIELDS = {
    "orders",
    "offered",
    "refused",
    "late_pct",
    "eta_err_p50_s",
    "eta_err_p90_s",
    "within_2min_pct",
    "wait_p50_s",
    "wait_p95_s",
    "asap_wait_p50_s",
    "asap_wait_p95_s",
    "melt_pct",
    "melt_pct_by_fulfillment",
    "melt_unavoidable_pct",
    "eta_err_p90_s_by_fulfillment",
    "within_2min_pct_by_fulfillment",
    "rider_waited_pct",
    "throughput_per_min",
    "max_queue",
    "makespan_min",
    "weighted_tardiness_s",
    "staffing",
    "staff_changes",
    "load_changes",
    "refused_by_field",
}
SHORT = ["--minutes", "15", "--peak-rate", "5"]


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, dict[str, Any]]:
    code = main(["simulate", *args, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.strip().splitlines()
    report: dict[str, Any] = json.loads(lines[-1])
    return "\n".join(lines[:-1]), report


@pytest.mark.parametrize("policy", ["engine", "fifo"])
def test_json_has_every_figure_with_sane_values(
    capsys: pytest.CaptureFixture[str], policy: str
) -> None:
    table, r = simulate(capsys, *SHORT, "--policy", policy, "--cv", "0.3", "--slowdown", "1.3")
    assert r.keys() >= FIELDS
    assert r["policy"] == policy
    assert r["orders"] > 10
    assert r["orders"] + r["refused"] == r["offered"]
    for key in (
        "late_pct",
        "within_2min_pct",
        "melt_pct",
        "melt_unavoidable_pct",
        "rider_waited_pct",
    ):
        assert 0 <= r[key] <= 100, key
    # Only orders collected later than they are made can melt; ASAP orders are not in the split.
    assert set(r["melt_pct_by_fulfillment"]) <= {"pickup_at", "delivery"}
    assert set(r["eta_err_p90_s_by_fulfillment"]) == set(r["late_pct_by_fulfillment"])
    for by in ("melt_pct_by_fulfillment", "within_2min_pct_by_fulfillment"):
        assert all(0 <= v <= 100 for v in r[by].values()), by
    assert max(r["eta_err_p90_s_by_fulfillment"].values()) >= r["eta_err_p90_s"] > 0
    assert 0 <= r["eta_err_p50_s"] <= r["eta_err_p90_s"]
    assert 0 <= r["wait_p50_s"] <= r["wait_p95_s"]
    assert 0 < r["asap_wait_p50_s"] <= r["asap_wait_p95_s"]
    assert r["throughput_per_min"] > 0
    assert 1 <= r["max_queue"] <= r["orders"]
    assert r["makespan_min"] >= 14
    assert "late (after target, or quote if ASAP)" in table


def test_same_seed_same_json_and_both_policies_share_the_orders(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, a = simulate(capsys, *SHORT, "--seed", "7")
    _, b = simulate(capsys, *SHORT, "--seed", "7")
    assert a == b
    _, both = simulate(capsys, *SHORT, "--seed", "7", "--policy", "both")
    assert both["engine"] == a
    assert both["fifo"]["offered"] == a["offered"]


def test_mpe2022_scenario_reports_weighted_tardiness(capsys: pytest.CaptureFixture[str]) -> None:
    _, r = simulate(capsys, "--scenario", "mpe2022", "--policy", "fifo")
    assert r["scenario"] == "mpe2022"
    assert r["orders"] == r["offered"] > 50 * 17
    assert r["weighted_tardiness_s"] >= 0


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(_native.InvalidArgument) as err:
        _native.simulate(shop.load_json(), json.dumps({"slowdown": 0}))
    assert err.value.field == "slowdown"


def test_cli_refuses_a_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--cv", "9"]) == 2
    assert "cv" in capsys.readouterr().err
