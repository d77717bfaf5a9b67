"""`python -m loadtests.run`: the peak-rush load test, headless, against its own server.

Starts `pyengine serve` (a real process on a free loopback port, a fresh data folder under the
output folder), runs locust headless with the peak-rush shape, keeps locust's HTML report and
CSVs, and writes and prints a summary: orders accepted, shed by the shop (FAILED_PRECONDITION
under overload: not failures), replays, failures and the error rate, ticket events, the orders in
the server's log, the server's resident memory (first, peak, last sample, slope), and the lost
orders: every accepted order's id is noted, and after the run the server is restarted on its
data folder (so the log is replayed) and asked for each one with GetOrder.

`--profile chain` is issue 6's chain profile: 1,000 stores (a shop made from the sample shop or
`--shop`), 6 orders a store a minute at the peak (100 orders/s) and a burst of 10x, with a
kitchen display user on every station of the first `--kds-stores` stores (the others are not
bumped). Its time is compressed into `--duration` like the rush's.

Exits non-zero when the error rate is 0.1 % or more, no order was accepted, or an accepted order
is missing after the restart (a lost order).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import grpc

from pyengine import shop
from pyengine.routes import StoreRoutes
from pyengine.serverproc import ServerProcess
from pyengine.v1 import orders_pb2

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
GET_ORDER = "/pyengine.v1.OrderService/GetOrder"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest", help="output folder")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of the run (300)")
    parser.add_argument("--peak-users", type=int, default=60, help="channel users at peak (60)")
    parser.add_argument("--quiet-users", type=int, default=4, help="channel users at rest (4)")
    parser.add_argument("--durability", choices=["full", "normal"], default="full")
    parser.add_argument("--shop", type=Path, help="shop TOML (default: the sample shop)")
    parser.add_argument(
        "--profile",
        choices=["rush", "chain"],
        default="rush",
        help="rush: channel users (default); chain: orders/s, 1,000 stores, a 10x burst",
    )
    parser.add_argument("--stores", type=int, help="a shop of this many stores (chain: 1000)")
    parser.add_argument("--peak-rate", type=float, help="chain: orders/s at the peak (100)")
    parser.add_argument("--burst-factor", type=float, default=10.0, help="chain: burst (10x)")
    parser.add_argument("--user-rate", type=float, default=4.0, help="chain: orders/s a user (4)")
    parser.add_argument(
        "--kds-stores", type=int, help="stores with KDS users (rush: all; chain: 10)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="the server's --workers (1); users follow routing"
    )
    args = parser.parse_args(argv)

    out: Path = args.out
    data = out / "data"
    shutil.rmtree(data, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    chain = args.profile == "chain"
    stores = args.stores or (1000 if chain else 0)
    shop_path = args.shop
    if stores:
        shop_path = make_shop(args.shop, stores, out / f"shop_{stores}.json")
    peak_rate = args.peak_rate or stores * 6 / 60 or 100.0
    kds_stores = args.kds_stores if args.kds_stores is not None else (10 if chain else 0)
    acks = out / "accepted.txt"
    acks.unlink(missing_ok=True)
    server_args = ["--durability", args.durability, "--log-level", "WARNING"]
    server_args += ["--workers", str(args.workers)]
    with ServerProcess(data, shop=shop_path, extra_args=server_args) as server:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            LOADTEST_DURATION_S=str(args.duration),
            LOADTEST_PEAK_USERS=str(args.peak_users),
            LOADTEST_QUIET_USERS=str(args.quiet_users),
            LOADTEST_MODE="rate" if chain else "users",
            LOADTEST_PEAK_RATE=str(peak_rate),
            LOADTEST_BURST_FACTOR=str(args.burst_factor),
            LOADTEST_USER_RATE=str(args.user_rate),
            LOADTEST_KDS_STORES=str(kds_stores),
            LOADTEST_ACK_FILE=str(acks),
            **({"LOADTEST_SHOP": str(shop_path.resolve())} if shop_path else {}),
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
        launched = time.time()
        locust = subprocess.run(command, env=env, cwd=ROOT, check=False)
        memory.stop()
        code = server.stop()
    accepted = read_acks(acks)
    # The lost-order check: a restarted server (the log replayed) must know every accepted order.
    with ServerProcess(data, shop=shop_path, extra_args=server_args) as server:
        missing = asyncio.run(missing_orders(server.target, [order for _, order in accepted]))
    summary = summarize(out / "locust_stats.csv")
    summary.update(
        profile=args.profile,
        stores=stores or len(shop.read(shop_path)["stores"]),
        kds_stores=kds_stores or None,
        peak_rate=peak_rate if chain else None,
        burst_factor=args.burst_factor if chain else None,
        orders_acknowledged=len(accepted),
        orders_missing_after_restart=missing,
        orders_in_log=orders_in_log(data),
        accepted_per_s=rates(accepted, launched, args.duration),
        server_rss_mib=memory.summary(),
        locust_exit=locust.returncode,
        server_exit=code,
        duration_s=args.duration,
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    ok = (
        code == 0
        and summary["error_rate"] < ERROR_RATE_LIMIT
        and summary["orders_accepted"] > 0
        # Zero lost orders: every order acknowledged to a user is known after a restart.
        and missing == 0
    )
    return 0 if ok else 1


# Issue 6: fewer than 0.1 % of the calls may fail.
ERROR_RATE_LIMIT = 0.001


def make_shop(base: Path | None, stores: int, path: Path) -> Path:
    """The shop (default: the sample shop) with `stores` stores, as JSON."""
    data = shop.read(base)
    data["stores"] = [{"id": f"s-{i:04d}", "name": f"store {i}"} for i in range(stores)]
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def read_acks(path: Path) -> list[tuple[float, str]]:
    """(wall time, order id) of every order acknowledged to a user."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        at, _, order_id = line.partition(" ")
        if order_id:
            out.append((float(at), order_id))
    return out


async def missing_orders(target: str, order_ids: list[str]) -> int:
    """How many of the orders GetOrder does not find."""
    missing = 0
    pending = iter(order_ids)
    # Each order is asked of its store's worker (`serve --workers N`).
    routes = await StoreRoutes.fetch_async(target)
    channels = {address: grpc.aio.insecure_channel(address) for address in routes.addresses}
    try:

        async def asker() -> None:
            nonlocal missing
            for order_id in pending:
                channel = channels[routes.of_order(order_id)]
                get: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(GET_ORDER)
                request = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
                try:
                    await get(request, timeout=30)
                except grpc.aio.AioRpcError as exc:
                    if exc.code() != grpc.StatusCode.NOT_FOUND:
                        raise
                    missing += 1

        await asyncio.gather(*(asker() for _ in range(16)))
    finally:
        for channel in channels.values():
            await channel.close()
    return missing


def rates(accepted: list[tuple[float, str]], launched: float, duration: float) -> dict[str, float]:
    """Accepted orders a second: over the whole run, and the best 5 s window (the burst)."""
    if not accepted:
        return {}
    bins: dict[int, int] = {}
    for at, _ in accepted:
        second = int(at - launched)
        bins[second] = bins.get(second, 0) + 1
    best = max(
        sum(bins.get(s + i, 0) for i in range(5)) / 5 for s in range(min(bins), max(bins) + 1)
    )
    return {"mean": round(len(accepted) / duration, 1), "best_5s": round(best, 1)}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _tree(pid: int) -> list[int]:
    """The server and its worker processes (`--workers N`)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
    return [pid, *children]


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory (with its workers') every second while the load
    runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []  # KiB
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(1.0):
            try:
                self.samples.append(sum(_rss_kib(pid) for pid in _tree(self.pid)))
            except OSError:
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)

    def summary(self) -> dict[str, float]:
        """Resident MiB at the first sample, the highest, and the last; the least-squares slope
        in MiB a minute over the samples after the first quarter."""
        if not self.samples:
            return {}
        first, peak, last = self.samples[0], max(self.samples), self.samples[-1]
        tail = list(enumerate(self.samples))[len(self.samples) // 4 :]
        slope = 0.0
        if len(tail) >= 2:
            mx = sum(x for x, _ in tail) / len(tail)
            my = sum(y for _, y in tail) / len(tail)
            sxx = sum((x - mx) ** 2 for x, _ in tail)
            slope = sum((x - mx) * (y - my) for x, y in tail) / sxx if sxx else 0.0
        return {
            "first": round(first / 1024, 1),
            "peak": round(peak / 1024, 1),
            "last": round(last / 1024, 1),
            "slope_per_min": round(slope * 60 / 1024, 2),
        }


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
        "requests": int(total["Request Count"]) if total else 0,
        "error_rate": (
            int(total["Failure Count"]) / int(total["Request Count"])
            if total and int(total["Request Count"])
            else 0.0
        ),
        "submit_p50_ms": ms("SubmitOrder", "50%"),
        "submit_p99_ms": ms("SubmitOrder", "99%"),
        "ticket_event_p99_ms": ms("ticket event", "99%"),
    }


if __name__ == "__main__":
    sys.exit(main())
