"""`pyengine demo` end to end, and its pure parts: the seeded rush, batching, the statistics."""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import pyengine
from pyengine import rush
from pyengine.cli import main
from pyengine.cli._demo_report import OrderRecord, compute, percentile
from pyengine.cli._kitchen import batch_seconds
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, store_pb2
from tests.support import Client


def sample_menu() -> store_pb2.Menu:
    """The sample shop's menu as GetMenu would list it (the demo itself asks the server)."""
    with (Path(pyengine.__file__).parent / "data" / "sample_shop.toml").open("rb") as f:
        shop = tomllib.load(f)
    prices = {m["code"]: m.get("price_minor", 0) for m in shop["modifiers"]}
    menu = store_pb2.Menu(store_id="sh-001", currency=shop["currency"])
    for item in shop["items"]:
        menu.items.add(
            sku=item["sku"],
            name=item["name"],
            category=item["category"],
            price_minor=item["price_minor"],
            available=True,
            modifiers=[
                store_pb2.Modifier(code=c, price_minor=prices[c], available=True)
                for c in item["modifiers"]
            ],
        )
    for station in shop["stations"]:
        menu.stations.add(name=station["name"], slots=station["slots"])
    return menu


def test_demo_runs_a_rush_to_ready_and_prints_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["demo", "--orders", "40", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "pyengine demo: results" in out
    # Every accepted order is ready; the rest were shed on purpose (fast mode, channel pause).
    counts = re.search(r"(\d+) / (\d+) / 40", out)
    assert counts is not None, out
    ready, accepted = int(counts[1]), int(counts[2])
    assert ready == accepted
    shed = re.search(r"(\d+) order\(s\) shed by the scheduler", out)
    assert accepted + (int(shed[1]) if shed else 0) == 40
    for label in ("throughput", "p50 / p95", "ETA error", "late", "orders from meituan"):
        assert label in out


def test_rush_is_deterministic_in_the_seed() -> None:
    menu = sample_menu()
    one = rush.generate(menu, 60, seed=7)
    again = rush.generate(menu, 60, seed=7)
    other = rush.generate(menu, 60, seed=8)
    assert [(o.at_s, o.channel, o.lines) for o in one] == [
        (o.at_s, o.channel, o.lines) for o in again
    ]
    assert [o.lines for o in one] != [o.lines for o in other]


def test_rush_has_the_reference_shape() -> None:
    menu = sample_menu()
    orders = rush.generate(menu, 300, seed=1)
    times = [o.at_s for o in orders]
    assert times == sorted(times) and len(orders) == 300
    skus = {item.sku: item for item in menu.items}
    for order in orders:
        assert 1 <= sum(ln.quantity for ln in order.lines) <= 3
        for ln in order.lines:
            accepted = {m.code for m in skus[ln.sku].modifiers}
            assert set(ln.modifiers) <= accepted
            assert not {"less_ice", "no_ice"} <= set(ln.modifiers)
        delivery = order.fulfillment == common_pb2.FULFILLMENT_DELIVERY
        assert delivery == (order.rider_s > 0)
    share = sum(o.fulfillment == common_pb2.FULFILLMENT_DELIVERY for o in orders) / len(orders)
    assert 0.35 <= share <= 0.60
    assert len(Counter(o.channel for o in orders)) == 6
    # The middle of the rush is busier than its start and end.
    third = times[-1] / 3
    counts = [sum(k * third <= t < (k + 1) * third for t in times) for k in range(3)]
    assert counts[1] > counts[0] and counts[1] > counts[2]


def ticket(tid: str, sku: str, quantity: int, work_s: int) -> kitchen_pb2.Ticket:
    t = kitchen_pb2.Ticket(ticket_id=tid)
    t.items.add(sku=sku, quantity=quantity, work_s=work_s, steps=["brew"])
    return t


def test_batch_seconds_batches_identical_cups_only() -> None:
    milk = [ticket(f"m{i}", "classic_milk_tea", 1, 45) for i in range(4)]
    assert batch_seconds(milk, 4) == 45  # four identical cups brewed together
    assert batch_seconds(milk, 1) == 180
    assert batch_seconds([*milk, ticket("m5", "classic_milk_tea", 1, 45)], 4) == 90
    # The engine's work for a line of 2 at a batch-4 station is one round; 5 cups take two.
    mixed = [ticket("a", "classic_milk_tea", 2, 45), ticket("b", "lemon_black_tea", 1, 35)]
    assert batch_seconds(mixed, 4) == 45 + 35
    assert batch_seconds([ticket("c", "classic_milk_tea", 5, 90)], 4) == 90
    assert batch_seconds([ticket("c", "classic_milk_tea", 3, 90)], 1) == 90


def test_statistics_in_simulated_time() -> None:
    delivery, asap = common_pb2.FULFILLMENT_DELIVERY, common_pb2.FULFILLMENT_ASAP
    meituan, counter = common_pb2.CHANNEL_MEITUAN, common_pb2.CHANNEL_COUNTER
    t = 1_700_000_000_000  # accepted_at_ms of the first order, on the server's clock
    records = [
        # Ready after 60 s, quoted 90: early by 30.
        OrderRecord(counter, asap, 0, t, quoted_eta_ms=t + 90_000, ready_at_ms=t + 60_000),
        # Ready after 120 s, quoted 100: late by 20; the rider came at 100.
        OrderRecord(meituan, delivery, 100, t + 10_000, t + 110_000, t + 130_000),
        OrderRecord(counter, asap, 0, refused="RESOURCE_EXHAUSTED: shedding", retries=3),
    ]
    stats = compute(records, wall_span_s=1.3)
    counts = (stats.orders, stats.accepted, stats.ready, stats.refused, stats.retries)
    assert counts == (3, 2, 2, 1, 3)
    assert stats.wait_s == (60.0, 120.0)
    assert stats.eta_error_s == (30.0, 20.0)
    assert (stats.late, stats.rider_waits, stats.delivery_ready) == (1, 1, 1)
    assert stats.sim_span_s == 130.0
    assert math.isclose(stats.per_sim_minute, 2 / (130 / 60))
    assert math.isclose(stats.per_wall_second, 2 / 1.3)
    assert stats.per_channel == {counter: 2, meituan: 1}


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (
        50.0,
        95.0,
        100.0,
    )
    assert percentile([3.0], 90) == 3.0
    assert math.isnan(percentile([], 50))


def test_demo_fails_with_a_reason_when_orders_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ServerProcess(tmp_path / "data", extra_args=["--time-scale", "300"]) as server:
        client = Client.connect(server.target)
        # The fruit station is closed: the engine refuses fruit teas and smoothies; the channels
        # retry for ten simulated minutes, then give up.
        client.store.SetStaffing(
            store_pb2.SetStaffingRequest(store_id="sh-001", station="fruit_prep", slots=0),
            timeout=30,
        )
        client.close()
        code = main(["demo", "--target", server.target, "--orders", "12", "--speed", "300"])
    out = " ".join(capsys.readouterr().out.split())  # unwrapped
    assert code == 1
    assert re.search(r"demo failed: \d+ order\(s\) refused", out)
    assert "FAILED_PRECONDITION" in out and "fruit_prep" in out


def test_demo_refuses_a_server_whose_clock_does_not_keep_pace(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", "--target", server.target, "--orders", "5", "--speed", "300"])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "start the server with --time-scale 300" in out
