"""What the demo measured, as numbers (pure) and as rich tables.

Time bookkeeping: the demo's server runs with `--time-scale speed`, so its clock (every
timestamp, quote and ETA it gives) runs `speed` times faster than the wall clock, and the
simulated kitchen works `speed` times faster than the standard durations. Every time below is
therefore in simulated seconds as the server measured them (accepted_at_ms -> ready_at_ms, against
its quoted eta_ms), with no conversion on our side; only the wall-clock throughput is measured
by the demo itself.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from pyengine.rush import channel_name
from pyengine.v1 import common_pb2


@dataclass
class OrderRecord:
    """One demo order, filled in as it goes: planned, accepted, ready (or refused)."""

    channel: int
    fulfillment: int
    rider_s: int
    accepted_at_ms: int = 0
    quoted_eta_ms: int = 0
    ready_at_ms: int = 0
    refused: str = ""  # the status code and message, when the order never got in
    retries: int = 0  # submissions refused for load (RESOURCE_EXHAUSTED, ...) then retried


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class DemoStats:
    orders: int
    accepted: int
    ready: int
    refused: int
    retries: int
    sim_span_s: float  # first acceptance to last ready, simulated (server) seconds
    wall_span_s: float  # the same span on the demo's wall clock
    wait_s: tuple[float, ...]  # accepted -> ready, simulated seconds, per ready order
    eta_error_s: tuple[float, ...]  # |actual ready - quoted eta|, simulated seconds
    late: int  # ready after the quoted eta
    rider_waits: int  # delivery orders ready after their rider arrived
    delivery_ready: int
    per_channel: dict[int, int]

    @property
    def per_sim_minute(self) -> float:
        return self.ready / (self.sim_span_s / 60) if self.sim_span_s > 0 else math.nan

    @property
    def per_wall_second(self) -> float:
        return self.ready / self.wall_span_s if self.wall_span_s > 0 else math.nan


def compute(records: Sequence[OrderRecord], wall_span_s: float) -> DemoStats:
    """Statistics of the records (server timestamps); `wall_span_s` as the demo measured it."""
    ready = [r for r in records if r.ready_at_ms]
    wait_s, eta_error_s = [], []
    late = rider_waits = 0
    for r in ready:
        actual = (r.ready_at_ms - r.accepted_at_ms) / 1000
        quoted = (r.quoted_eta_ms - r.accepted_at_ms) / 1000
        wait_s.append(actual)
        eta_error_s.append(abs(actual - quoted))
        late += actual > quoted
        rider_waits += r.fulfillment == common_pb2.FULFILLMENT_DELIVERY and actual > r.rider_s
    accepted = [r.accepted_at_ms for r in records if r.accepted_at_ms]
    sim_span_s = (max(r.ready_at_ms for r in ready) - min(accepted)) / 1000 if ready else 0.0
    return DemoStats(
        orders=len(records),
        accepted=len(accepted),
        ready=len(ready),
        refused=sum(1 for r in records if r.refused),
        retries=sum(r.retries for r in records),
        sim_span_s=sim_span_s,
        wall_span_s=wall_span_s,
        wait_s=tuple(wait_s),
        eta_error_s=tuple(eta_error_s),
        late=late,
        rider_waits=rider_waits,
        delivery_ready=sum(1 for r in ready if r.fulfillment == common_pb2.FULFILLMENT_DELIVERY),
        per_channel=dict(sorted(Counter(r.channel for r in records).items())),
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _mmss(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def render(stats: DemoStats, speed: float) -> Table:
    table = Table(
        title="pyengine demo: results",
        caption=(
            f"Simulated time: the server's clock (serve --time-scale {speed:g}) and the kitchen "
            f"ran {speed:g}x faster than the wall clock. Waits, quotes and ETA errors are the "
            "server's timestamps, in simulated seconds; wall throughput is measured by the demo."
        ),
        caption_justify="left",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row(
        "orders (ready / accepted / planned)", f"{stats.ready} / {stats.accepted} / {stats.orders}"
    )
    if stats.refused or stats.retries:
        table.add_row("refused / load retries", f"{stats.refused} / {stats.retries}")
    table.add_row("rush span (simulated, m:ss)", _mmss(stats.sim_span_s))
    table.add_row("throughput (orders/min, simulated)", f"{stats.per_sim_minute:.1f}")
    table.add_row("throughput (orders/s, wall)", f"{stats.per_wall_second:.1f}")
    table.add_row(
        "wait accepted->READY p50 / p95 (sim s)",
        f"{percentile(stats.wait_s, 50):.0f} / {percentile(stats.wait_s, 95):.0f}",
    )
    table.add_row(
        "ETA error |ready - quote| p50 / p90 (sim s)",
        f"{percentile(stats.eta_error_s, 50):.0f} / {percentile(stats.eta_error_s, 90):.0f}",
    )
    table.add_row("late (ready after quoted ETA)", _pct(stats.late, stats.ready))
    table.add_row(
        "delivery ready after rider arrival", _pct(stats.rider_waits, stats.delivery_ready)
    )
    for channel, count in stats.per_channel.items():
        table.add_row(f"  orders from {channel_name(channel)}", str(count))
    return table
