"""`python -m loadtests.run`: the peak-rush load test, headless, against its own server.

Starts `pyengine serve` (a real process on a free loopback port, a fresh data folder under the
output folder), runs locust headless with the peak-rush shape, keeps locust's HTML report and
CSVs, and writes and prints a summary: orders accepted, shed by the shop (FAILED_PRECONDITION
under overload: not failures), replays, failures, ticket events, the orders in the server's log
and the server's resident memory (first, peak, last sample). Exits non-zero when any call failed,
no order was accepted, or the log holds fewer orders than were accepted (a lost order).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from pyengine.serverproc import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest", help="output folder")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of the run (300)")
    parser.add_argument("--peak-users", type=int, default=60, help="channel users at peak (60)")
    parser.add_argument("--quiet-users", type=int, default=4, help="channel users at rest (4)")
    parser.add_argument("--durability", choices=["full", "normal"], default="full")
    parser.add_argument("--shop", type=Path, help="shop TOML (default: the sample shop)")
    args = parser.parse_args(argv)

    out: Path = args.out
    data = out / "data"
    shutil.rmtree(data, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    server_args = ["--durability", args.durability, "--log-level", "WARNING"]
    with ServerProcess(data, shop=args.shop, extra_args=server_args) as server:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            LOADTEST_DURATION_S=str(args.duration),
            LOADTEST_PEAK_USERS=str(args.peak_users),
            LOADTEST_QUIET_USERS=str(args.quiet_users),
            **({"LOADTEST_SHOP": str(args.shop.resolve())} if args.shop else {}),
        )
        command = [
            sys.executable, "-m", "locust",
            "-f", str(LOCUSTFILE),
            "--headless",
            "--host", server.target,
            "--html", str(out / "report.html"),
            "--csv", str(out / "locust"),
            "--only-summary",
            "--loglevel", "WARNING",
            "--stop-timeout", "10",
        ]  # fmt: skip
        print(f"load test: {args.duration:.0f} s against {server.target}; report in {out}")
        assert server.process is not None
        memory = MemoryWatch(server.process.pid)
        memory.start()
        locust = subprocess.run(command, env=env, cwd=ROOT, check=False)
        memory.stop()
        code = server.stop()
    summary = summarize(out / "locust_stats.csv")
    summary.update(
        orders_in_log=orders_in_log(data),
        server_rss_mib=memory.summary(),
        locust_exit=locust.returncode,
        server_exit=code,
        duration_s=args.duration,
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    ok = (
        locust.returncode == 0
        and code == 0
        and summary["failures"] == 0
        and summary["orders_accepted"] > 0
        # Zero lost orders: every accepted order is in the log. The log may hold a few more:
        # calls cut off when locust stopped their user (in the decay or at the end), which the
        # server admitted but nobody counted.
        and summary["orders_in_log"] >= summary["orders_accepted"]
    )
    return 0 if ok else 1


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory every second while the load runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []  # KiB
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(1.0):
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append(int(line.split()[1]))

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)

    def summary(self) -> dict[str, float]:
        """Resident MiB at the first sample, the highest, and the last."""
        if not self.samples:
            return {}
        first, peak, last = self.samples[0], max(self.samples), self.samples[-1]
        return {"first": first / 1024, "peak": peak / 1024, "last": last / 1024}


def orders_in_log(data: Path) -> int:
    """Orders the server admitted, read from its event log after it stopped."""
    uri = f"file:{data / 'events.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        row = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'order_submitted'").fetchone()
    return int(row[0])


def summarize(stats_csv: Path) -> dict[str, Any]:
    """Counts from locust's stats CSV: one row per (type, name), plus the "Aggregated" row."""
    rows = list(csv.DictReader(stats_csv.open()))
    by_name = {r["Name"]: r for r in rows if r["Name"] != "Aggregated"}

    def count(name: str, column: str = "Request Count") -> int:
        return int(by_name[name][column]) if name in by_name else 0

    def ms(name: str, column: str) -> float | None:
        value = by_name.get(name, {}).get(column)
        return float(value) if value not in (None, "", "N/A") else None

    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    return {
        "orders_accepted": count("SubmitOrder"),
        "orders_shed": count("SubmitOrder shed"),
        "replays": count("SubmitOrder replay"),
        "ticket_events": count("ticket event"),
        "starts": count("Start"),
        "bumps": count("Bump"),
        "failures": int(total["Failure Count"]) if total else 0,
        "submit_p50_ms": ms("SubmitOrder", "50%"),
        "submit_p99_ms": ms("SubmitOrder", "99%"),
        "ticket_event_p99_ms": ms("ticket event", "99%"),
    }


if __name__ == "__main__":
    sys.exit(main())
