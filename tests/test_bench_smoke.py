"""The fan-out and memory benchmarks run, at tiny sizes, and their correctness checks hold.
Nothing timed is asserted (the numbers are for docs/benchmarks.md, made by `make bench`)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import bench_service, bench_service_fanout, bench_service_memory
from benchmarks.servers import sample_stations


def test_fanout_delivers_every_event(tmp_path: Path) -> None:
    shop_path = bench_service.bench_shop(2, tmp_path)
    stores = ["bench-0000", "bench-0001"]
    result = bench_service_fanout.run_fanout(
        shop_path, stores, sample_stations(), tmp_path, workers=2, seconds=1.0, subscriber_procs=1
    )
    assert result.orders > 0 and not result.errors, result
    assert result.live.ok and result.live.events == result.live.expected > 0, result.live
    rounds = bench_service_fanout.CATCHUP_ROUNDS
    assert result.catchup.ok and result.catchup.events == rounds * result.live.events
    assert result.echo.ok and result.echo.events == rounds * result.live.events, result.echo
    assert result.batched.ok and result.batched.events == rounds * result.live.events
    assert 0 < result.batched_messages < result.batched.events, "several events a message"
    assert result.streams == 2 * len(sample_stations())
    assert "## Fan-out" in "\n".join(bench_service_fanout.render(result))


def test_memory_benchmark_runs(tmp_path: Path) -> None:
    shop_path = bench_service.bench_shop(2, tmp_path)
    stores = ["bench-0000", "bench-0001"]
    per = bench_service_memory.measure_per_order(shop_path, stores, tmp_path, 30, settle_s=0.1)
    assert per.errors == 0 and per.found == per.submitted == 120, per
    heap = bench_service_memory.measure_python_heap(
        shop_path, stores, sample_stations(), tmp_path, 10, settle_s=0.1
    )
    assert heap.ready == 20, heap
    assert "## Memory" in "\n".join(bench_service_memory.render(per, None, heap))


def test_the_state_growth_runs_evict_and_answer_duplicates(tmp_path: Path) -> None:
    shop_path = bench_service.bench_shop(2, tmp_path)
    stores = ["bench-0000", "bench-0001"]
    # 90 simulated seconds at 10 orders a second: the 60 s retention evicts the first ones.
    kept, logged = bench_service_memory.measure_state_growth(
        shop_path, stores, tmp_path, 900, rate=10.0
    )
    for run in (kept, logged):
        assert run.samples[-1][2] < 900, "nothing was evicted"
        assert run.replayed == run.duplicates == 100, run
    assert not kept.keys_to_log and kept.samples[-1][3] == 0
    assert logged.keys_to_log and logged.samples[-1][3] == 900 - logged.samples[-1][2]
    text = "\n".join(bench_service_memory.render(None, None, None, [kept, logged]))
    assert "| kept in memory |" in text and "100/100" in text


def test_the_steady_growth_ignores_warm_up_and_transient_spikes() -> None:
    # 10 KiB a second of growth after a steep start (the retention filling), a spike every 37 s.
    samples = [(float(t), (100 * t if t < 90 else 9000 + 10 * (t - 90))) for t in range(360)]
    samples = [(t, k + (500 if int(t) % 37 == 0 else 0)) for t, k in samples]
    run = bench_service_memory.Steady(50, 360, 2, retention_s=60, samples=samples)
    assert run.warmup_s == 90
    assert abs(run.slope_kib_per_min - 600) < 1
    never = bench_service_memory.Steady(50, 360, 2, samples=samples)
    text = "\n".join(bench_service_memory.render(None, [never, run]))
    assert "| never evict |" in text and "| 60 s |" in text
