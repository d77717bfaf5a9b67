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
from pyengine.runtime import TICK_SLICE_STORES
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
    ms: float  # one whole tick (every store in one call), the slowest of three
    slice_ms: float  # the slowest call of a tick in the runtime's slices (TICK_SLICE_STORES)
    copy_ms: float  # Engine.copy_state: what a snapshot costs the event loop
    encode_ms: float  # StateCopy.encode (hash and msgpack), on a thread, the GIL released
    snapshot_mb: float


def measure_tick(shop_path: Path, requests: list[bytes], stores: int, per_store: int) -> Tick:
    """`Engine.tick`, which the runtime calls every second, after `per_store` orders in each of
    `stores` stores (`requests` holds exactly those): in one call, and as the runtime makes it,
    `TICK_SLICE_STORES` stores a call with requests served in between; and a snapshot's copy
    (on the event loop) and encoding (on a thread)."""
    engine = _native.Engine(shop.load_json(shop_path))
    now = time.time_ns() // 1_000_000
    for request in requests:
        engine.submit_order(request, now)
    whole, slices = [], []
    for second in range(1, 4):
        started = time.perf_counter()
        engine.tick(now + second * 1000)
        whole.append(time.perf_counter() - started)
    for second in range(4, 7):
        for first in range(0, stores, TICK_SLICE_STORES):
            started = time.perf_counter()
            engine.tick(now + second * 1000, first, TICK_SLICE_STORES)
            slices.append(time.perf_counter() - started)
    started = time.perf_counter()
    copy = engine.copy_state()
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    _hash, state = copy.encode()
    encode_s = time.perf_counter() - started
    return Tick(
        stores,
        per_store,
        max(whole) * 1000,
        max(slices) * 1000,
        copy_s * 1000,
        encode_s * 1000,
        len(state) / 1e6,
    )


def render_ticks(ticks: list[Tick]) -> list[str]:
    return [
        "Two calls the runtime makes on the event-loop thread, during which no request is "
        "served: the load tick (every second) re-plans every store with open orders, made "
        f"{TICK_SLICE_STORES} stores a call with requests served in between (the whole tick in "
        "one call for comparison); and a snapshot (every `--snapshot-every` records) copies "
        "the state, which a thread then encodes (hash and msgpack, the GIL released):",
        "",
        "| stores | open orders per store | whole tick, ms | slowest tick call, ms "
        "| snapshot copy (loop), ms | snapshot encoding (thread), ms | snapshot, MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {t.stores} | {t.open_per_store} | {t.ms:.1f} | {t.slice_ms:.1f} "
            f"| {t.copy_ms:.1f} | {t.encode_ms:.1f} | {t.snapshot_mb:.1f} |"
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
