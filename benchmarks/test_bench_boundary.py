"""The Python/Rust boundary of SubmitOrder (`make bench`; not part of `make test`).

Issue 6 asks for the boundary (call + conversion) at <= 1 us per order. Three timings on the
same request bytes, in the same run:

- `_native.boundary_probe`: the call, the GIL released and retaken, the request decoded and its
  draft converted as `Engine.submit_order` does, bytes encoded back and a bytes object made; no
  core work (it also clones the draft once, so it errs high);
- a pure-Python function call on the same bytes (the floor of any call from Python);
- `Engine.submit_order` in-process (no gRPC, no event log) on a store with few open orders: the
  boundary's share of a whole order.

Correctness beside the timing: the probe's answer decodes to the same draft, and every submit
is admitted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_service import bench_shop, requests
from benchmarks.conftest import BOUNDARY
from loadtests.orders import Menu
from pyengine import _native, shop
from pyengine.v1 import orders_pb2

STORES = 1000


@pytest.fixture(scope="module")
def shop_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bench_shop(STORES, tmp_path_factory.mktemp("boundary"))


@pytest.fixture(scope="module")
def pool() -> list[bytes]:
    """Distinct SubmitOrder requests over the bench shop's stores, serialized once."""
    menu = Menu(tuple(f"bench-{i:04d}" for i in range(STORES)), Menu.load().items)
    return requests(menu, 20_000, seed=11)


def test_boundary_probe(benchmark: Any, pool: list[bytes]) -> None:
    request = pool[0]
    answer = benchmark(_native.boundary_probe, request)
    original = orders_pb2.SubmitOrderRequest.FromString(request)
    assert orders_pb2.SubmitOrderRequest.FromString(answer) == original
    BOUNDARY["boundary_probe (call + decode + convert + encode)"] = benchmark.stats.stats.mean


def _python_call(request: bytes) -> bytes:
    return request


def test_python_call(benchmark: Any, pool: list[bytes]) -> None:
    request = pool[0]
    assert benchmark(_python_call, request) is request
    BOUNDARY["a Python function call (the floor)"] = benchmark.stats.stats.mean


def test_submit_order_in_process(benchmark: Any, shop_path: Path, pool: list[bytes]) -> None:
    """Each request once, over 1,000 stores (about 10 open orders a store at the end)."""
    engine = _native.Engine(shop.load_json(shop_path))
    now = time.time_ns() // 1_000_000
    fresh = iter(pool)

    def submit() -> Any:
        return engine.submit_order(next(fresh), now)

    outcome = benchmark.pedantic(submit, rounds=10_000, iterations=1, warmup_rounds=100)
    reply = orders_pb2.SubmitOrderResponse.FromString(outcome.response)
    assert reply.order_id
    BOUNDARY["Engine.submit_order in-process (core included)"] = benchmark.stats.stats.mean
