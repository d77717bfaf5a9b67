"""SubmitOrder in the core alone, as a store's open orders pile up.

`_native.Engine.submit_order` called in-process (no gRPC, no event log) with the bench shop's
request bytes, `stores` stores, the sample promotions, and nobody bumping: the mean time per
call over each successive slice of orders, against the open orders per store at that point.
It tells how much of the service's time per order is the core's, and how that grows with a
store's queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pyengine import _native, shop
from pyengine.v1 import promotions_pb2


@dataclass(frozen=True)
class Slice:
    open_per_store: float  # at the end of the slice
    mean_us: float


def measure(shop_path: Path, requests: list[bytes], stores: int, slices: int) -> list[Slice]:
    engine = _native.Engine(shop.load_json(shop_path))
    now = time.time_ns() // 1_000_000
    for definition in shop.load_promotions(None):
        put = promotions_pb2.PutPromotionRequest(definition_json=definition)
        engine.put_promotion(put.SerializeToString(), now)
    size = len(requests) // slices
    out = []
    for index in range(slices):
        batch = requests[index * size : (index + 1) * size]
        started = time.perf_counter()
        for request in batch:
            engine.submit_order(request, now)
        elapsed = time.perf_counter() - started
        out.append(Slice((index + 1) * size / stores, elapsed / len(batch) * 1e6))
    return out


@dataclass(frozen=True)
class Tick:
    stores: int
    open_per_store: int
    ms: float  # the slowest of three ticks
    snapshot_ms: float  # Engine.snapshot, which the runtime takes on the loop every N records
    snapshot_mb: float


def measure_tick(shop_path: Path, requests: list[bytes], stores: int, per_store: int) -> Tick:
    """`Engine.tick`, which the runtime calls every second on the event-loop thread, after
    `per_store` orders in each of `stores` stores (`requests` holds exactly those)."""
    engine = _native.Engine(shop.load_json(shop_path))
    now = time.time_ns() // 1_000_000
    for request in requests:
        engine.submit_order(request, now)
    times = []
    for second in range(1, 4):
        started = time.perf_counter()
        engine.tick(now + second * 1000)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    state = engine.snapshot()
    snapshot_s = time.perf_counter() - started
    return Tick(stores, per_store, max(times) * 1000, snapshot_s * 1000, len(state) / 1e6)


def render_ticks(ticks: list[Tick]) -> list[str]:
    return [
        "Two calls the runtime makes on the event-loop thread, during which no request is "
        "served: the load tick (`Engine.tick`, every second) re-plans every store, and a "
        "snapshot (`Engine.snapshot`, every `--snapshot-every` records) serializes the state:",
        "",
        "| stores | open orders per store | one tick, ms | snapshot, ms | snapshot, MB |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {t.stores} | {t.open_per_store} | {t.ms:.1f} | {t.snapshot_ms:.1f} "
            f"| {t.snapshot_mb:.1f} |"
            for t in ticks
        ),
        "",
    ]


def render(rows: list[Slice], stores: int) -> list[str]:
    return [
        "## The core alone: SubmitOrder as a store's open orders pile up",
        "",
        "`benchmarks/bench_service_core.py`, in the same run: `_native.Engine.submit_order` "
        f"in-process (no gRPC, no event log) over {stores} stores of the bench shop, with the "
        "sample promotions, nobody bumping; the mean time per call over each slice of orders.",
        "",
        "| open orders per store (end of slice) | us per SubmitOrder |",
        "|---:|---:|",
        *(f"| {row.open_per_store:.0f} | {row.mean_us:.0f} |" for row in rows),
        "",
    ]
