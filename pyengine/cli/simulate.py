"""`pyengine simulate`: a seeded rush driven through the Rust core faster than real time, judged
against a FIFO baseline (docs/scheduler.md, "Simulator"). Prints a table of the run's figures;
with `--json`, one JSON object on the last line. Nothing is stored; no server is started."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pyengine import _native, shop
from pyengine.exceptions import EngineError

# (JSON key, label, unit) of the figures the table shows, in order.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("offered", "orders sent", ""),
    ("orders", "orders accepted", ""),
    ("refused", "orders refused", ""),
    ("late_pct", "late (after target, or quote if ASAP)", "%"),
    ("eta_err_p50_s", "|ready - first quote| p50", "s"),
    ("eta_err_p90_s", "|ready - first quote| p90", "s"),
    ("within_2min_pct", "ready within 2 min of first quote", "%"),
    ("wait_p50_s", "wait p50", "s"),
    ("wait_p95_s", "wait p95", "s"),
    ("asap_wait_p50_s", "ASAP wait p50", "s"),
    ("asap_wait_p95_s", "ASAP wait p95", "s"),
    ("melt_pct", "cold orders ready > 5 min before pickup", "%"),
    ("rider_waited_pct", "riders who waited", "%"),
    ("throughput_per_min", "throughput", "/min"),
    ("max_queue", "most open orders", ""),
    ("makespan_min", "first order to last ready", "min"),
    ("weighted_tardiness_s", "mean weighted tardiness", "s"),
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "simulate", help="simulate a rush through the core, engine vs FIFO (local, seeded)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--minutes", type=int, default=90, help="arrival window (default 90)")
    parser.add_argument(
        "--peak-rate", type=float, default=10.0, help="orders/min at the peak (default 10)"
    )
    parser.add_argument(
        "--cv", type=float, default=0.15, help="coefficient of variation of step times (0.15)"
    )
    parser.add_argument(
        "--slowdown",
        type=float,
        default=1.0,
        help="true time = standard time x this, unknown to the scheduler (default 1.0)",
    )
    parser.add_argument(
        "--policy",
        choices=("engine", "fifo", "both"),
        default="engine",
        help="who orders the kitchen's work; `both` runs the two on the same orders",
    )
    parser.add_argument(
        "--scenario",
        choices=("rush", "mpe2022"),
        default="rush",
        help="`mpe2022`: the 50-order restaurant instances of MPE 2022 art. 4818158",
    )
    parser.add_argument(
        "--staffing",
        choices=("auto", "shop"),
        default="auto",
        help="`auto`: staff each station for the peak at 90%% utilization; `shop`: the file's",
    )
    parser.add_argument(
        "--rider-updates",
        action="store_true",
        help="platforms send each rider's updated arrival 8 minutes ahead; the engine re-plans",
    )
    parser.add_argument("--shop", type=Path, default=None, help="shop TOML (default: sample)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on the last line"
    )
    parser.set_defaults(run=run)


def params(args: argparse.Namespace, policy: str) -> dict[str, Any]:
    return {
        "seed": args.seed,
        "minutes": args.minutes,
        "peak_rate": args.peak_rate,
        "cv": args.cv,
        "slowdown": args.slowdown,
        "policy": policy,
        "scenario": args.scenario,
        "staffing": args.staffing,
        "rider_updates": args.rider_updates,
    }


def simulate(shop_json: str, p: dict[str, Any]) -> dict[str, Any]:
    """One run: the core's report as a dict."""
    report: dict[str, Any] = json.loads(_native.simulate(shop_json, json.dumps(p)))
    return report


def render(reports: dict[str, dict[str, Any]]) -> str:
    """A plain-text table, one column per policy."""
    first = next(iter(reports.values()))
    load = (
        "50 tables, one every 3 min"
        if first["scenario"] == "mpe2022"
        else f"{first['minutes']} min, peak {first['peak_rate']}/min"
    )
    head = (
        f"scenario {first['scenario']}, seed {first['seed']}, {load}, "
        f"cv {first['cv']}, slowdown {first['slowdown']}"
    )
    width = max(len(label) for _, label, _ in ROWS) + 6
    lines = [head, f"{'':<{width}}" + "".join(f"{name:>10}" for name in reports)]
    for key, label, unit in ROWS:
        text = f"{label} ({unit})" if unit else label
        cells = "".join(f"{r[key]:>10}" for r in reports.values())
        lines.append(f"{text:<{width}}{cells}")
    staffing = ", ".join(f"{k} {v}" for k, v in first["staffing"].items())
    lines.append(f"staffing: {staffing}")
    if first["staff_changes"]:
        lines.append("staff changes: " + "; ".join(first["staff_changes"]))
    for name, r in reports.items():
        moves = r["load_changes"]
        if moves:
            shown = "; ".join(moves[:6]) + (
                f"; ... ({len(moves)} in all)" if len(moves) > 6 else ""
            )
            lines.append(f"load ({name}): {shown}")
        late = ", ".join(f"{k} {v}%" for k, v in r["late_pct_by_fulfillment"].items())
        lines.append(f"late ({name}) by fulfillment: {late}")
        if r["refused_by_field"]:
            refused = ", ".join(f"{k} {v}" for k, v in r["refused_by_field"].items())
            lines.append(f"refused ({name}) by field: {refused}")
        lines.extend(f"note ({name}): {n}" for n in r["notes"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    policies = ("engine", "fifo") if args.policy == "both" else (args.policy,)
    try:
        shop_json = shop.load_json(args.shop)
        reports = {p: simulate(shop_json, params(args, p)) for p in policies}
    except EngineError as exc:
        print(f"error: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    print(render(reports))
    if args.json:
        out = reports[policies[0]] if len(policies) == 1 else reports
        print(json.dumps(out, sort_keys=True, ensure_ascii=False))
    return 0
