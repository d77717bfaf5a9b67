"""The memory benchmark: the server's resident memory per open order, per member, and over a
steady run in which every order is made and bumped through to READY.

1. per order and per member, on one server (snapshots off, so that a snapshot's transient
   buffers do not land in one slice): after a warm-up, three slices of `orders` orders with the
   same lines (the same seed; only ids and members differ): A all of one gold member, B each of a
   new gold member, C all of one gold member again. Per open order: the mean RSS growth of A and
   C per order; per member: B's growth per order over that mean (A before and C after B cancel a
   drift as the stores' queues grow). Orders are not bumped, so every one stays open.
   Correctness: every call answered OK and GetOrder finds every order afterwards.
2. steady state, on a new server with the default settings (snapshots on) but for the order
   retention asked for (`--order-retention`; 0: never evict, the engine before eviction
   existed): orders submitted open loop at `rate` a second for `seconds`, each made at once
   through the API (GetOrder, then Start and Bump of every ticket in kitchen order) so that it
   ends READY, with a StreamTickets subscriber on every station of the stores used and a
   WatchOrder on every tenth order. RSS is sampled every second; the growth per minute is a
   least-squares slope, after the warm-up (the first quarter of the run, and at least 1.5
   retentions, by when the first finished orders have left), over the lowest sample of each 10 s
   (a snapshot's transient buffers would otherwise tilt the fit). One run per retention
   asked for, each on a new server, so "never" and a retention compare in the same conditions.
   Correctness: every order READY at the end (GetOrder), or NOT_FOUND as evicted after its
   retention (it can only leave once READY here: nothing is cancelled); every watch ended READY.

3. the Python heap alone: the runtime (core, SQLite log, hubs, streams) in this process, driven
   through the same calls the servicers make, every order made to READY with a ticket stream on
   every station and a WatchOrder on every tenth order; tracemalloc (which sees Python's own
   allocations, not the Rust core's) before and after. Growth here would be a Python leak.

RSS is VmRSS from /proc: what the process holds, allocator slack included.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from benchmarks.bench_service_fanout import (
    ASAP_CHANNELS,
    BUMP_METHOD,
    GET_ORDER_METHOD,
    START_METHOD,
    STREAM_METHOD,
    SUBMIT_METHOD,
    Stream,
    Unary,
)
from benchmarks.servers import pyengine_args, sample_stations
from loadtests.orders import Menu
from pyengine.runtime import DEFAULT_ORDER_RETENTION_S
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2

WATCH_METHOD = "/pyengine.v1.OrderService/WatchOrder"
# The steady run's growth is fitted over the lowest RSS sample of each window this long.
FLOOR_WINDOW_S = 10.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


@dataclass
class PerOrder:
    orders: int
    warm_kib: int = 0
    one_member_kib: int = 0  # after slice A: `orders` orders of one member
    many_members_kib: int = 0  # after slice B: `orders` more, each of a new member
    one_member_again_kib: int = 0  # after slice C: `orders` more of one member
    errors: int = 0
    found: int = 0  # orders GetOrder finds afterwards
    submitted: int = 0

    @property
    def warmup(self) -> int:
        return min(500, self.orders)

    @property
    def slice_a(self) -> float:
        return (self.one_member_kib - self.warm_kib) * 1024 / self.orders

    @property
    def slice_b(self) -> float:
        return (self.many_members_kib - self.one_member_kib) * 1024 / self.orders

    @property
    def slice_c(self) -> float:
        return (self.one_member_again_kib - self.many_members_kib) * 1024 / self.orders

    @property
    def per_order_bytes(self) -> float:
        return (self.slice_a + self.slice_c) / 2

    @property
    def per_member_bytes(self) -> float:
        return self.slice_b - self.per_order_bytes


@dataclass
class Steady:
    rate: float
    seconds: float
    stores: int
    # The server's --order-retention (None: never evict).
    retention_s: float | None = None
    label: str = ""  # the server's other arguments, if any
    submitted: int = 0
    ready: int = 0  # orders READY at the end (GetOrder)
    evicted: int = 0  # orders GetOrder answers NOT_FOUND at the end, as past their retention
    errors: dict[str, int] = field(default_factory=dict)
    watches: int = 0
    watches_ended_ready: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (s since start, KiB)

    @property
    def warmup_s(self) -> float:
        """Samples before this are warm-up: the first quarter, and with a retention, 1.5 of it
        (the first finished orders leave after one retention, in batches)."""
        quarter = self.seconds / 4
        return quarter if self.retention_s is None else max(quarter, 1.5 * self.retention_s)

    @property
    def slope_kib_per_min(self) -> float:
        """RSS growth per minute after the warm-up, fitted over the lowest sample of each
        `FLOOR_WINDOW_S`: a snapshot's buffers lift RSS for a moment, and over a few minutes
        where such a spike lands would tilt a fit over every sample."""
        floors: dict[int, tuple[float, float]] = {}
        for t, kib in self.samples:
            if t >= self.warmup_s:
                window = int(t // FLOOR_WINDOW_S)
                if window not in floors or kib < floors[window][1]:
                    floors[window] = (t, float(kib))
        return slope(list(floors.values())) * 60

    @property
    def bytes_per_order(self) -> float:
        return self.slope_kib_per_min * 1024 / 60 / self.rate if self.rate else 0.0


def _draft(menu: Menu, rng: random.Random, member_id: str, order_id: str = "") -> bytes:
    draft = menu.draft(rng, rng.choice(ASAP_CHANNELS), time.time_ns() // 1_000_000)
    if order_id:
        draft.channel_order_id = order_id
    draft.member_id = member_id
    draft.member.tier = "gold"
    return orders_pb2.SubmitOrderRequest(order=draft).SerializeToString()


async def _submit_many(
    target: str, requests: list[bytes], concurrency: int, result: PerOrder
) -> list[str]:
    ids: list[str] = []
    async with grpc.aio.insecure_channel(target) as channel:
        submit: Unary = channel.unary_unary(SUBMIT_METHOD)
        pending = iter(requests)

        async def caller() -> None:
            for request in pending:
                try:
                    answer = await submit(request, timeout=30)
                except grpc.aio.AioRpcError:
                    result.errors += 1
                    continue
                ids.append(orders_pb2.SubmitOrderResponse.FromString(answer).order_id)

        await asyncio.gather(*(caller() for _ in range(concurrency)))
    return ids


async def _count_found(target: str, ids: list[str]) -> int:
    async with grpc.aio.insecure_channel(target) as channel:
        get: Unary = channel.unary_unary(GET_ORDER_METHOD)
        found = 0
        for order_id in ids:
            try:
                await get(
                    orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString(), timeout=30
                )
                found += 1
            except grpc.aio.AioRpcError:
                pass
    return found


def measure_per_order(
    shop_path: Path,
    stores: list[str],
    workdir: Path,
    orders: int,
    durability: str = "full",
    settle_s: float = 1.0,
) -> PerOrder:
    result = PerOrder(orders)
    menu = Menu(tuple(stores), Menu.load().items)
    rng = random.Random(11)
    server_args = pyengine_args(durability, "--snapshot-every", "0")
    with ServerProcess(workdir / "memory-data", shop=shop_path, extra_args=server_args) as server:
        assert server.process is not None
        pid = server.process.pid
        ids: list[str] = []

        async def phase(requests: list[bytes]) -> int:
            ids.extend(await _submit_many(server.target, requests, 16, result))
            await asyncio.sleep(settle_s)
            return rss_kib(pid)

        async def all_phases() -> None:
            await phase([_draft(menu, rng, "warm") for _ in range(result.warmup)])
            result.warm_kib = await phase([])

            def same_lines(member: Callable[[int], str], tag: str) -> list[bytes]:
                seeded = random.Random(12)
                return [
                    _draft(menu, seeded, member(i), f"mem-{tag}-{i:07d}") for i in range(orders)
                ]

            result.one_member_kib = await phase(same_lines(lambda i: "m-one-0", "a"))
            result.many_members_kib = await phase(same_lines(lambda i: f"m-{i:07d}", "b"))
            result.one_member_again_kib = await phase(same_lines(lambda i: "m-one-0", "c"))
            result.found = await _count_found(server.target, ids)

        asyncio.run(all_phases())
        result.submitted = result.warmup + 3 * orders
    return result


async def _steady(
    target: str, pid: int, menu: Menu, keys: list[tuple[str, str]], result: Steady
) -> None:
    loop = asyncio.get_running_loop()
    async with grpc.aio.insecure_channel(target) as channel:
        submit: Unary = channel.unary_unary(SUBMIT_METHOD)
        get: Unary = channel.unary_unary(GET_ORDER_METHOD)
        start: Unary = channel.unary_unary(START_METHOD)
        bump: Unary = channel.unary_unary(BUMP_METHOD)
        watch: Stream = channel.unary_stream(WATCH_METHOD)
        stream: Stream = channel.unary_stream(STREAM_METHOD)
        rng = random.Random(12)
        ids: list[str] = []

        def error(exc: grpc.aio.AioRpcError) -> None:
            name = exc.code().name
            result.errors[name] = result.errors.get(name, 0) + 1

        async def follow(key: tuple[str, str]) -> None:
            request = kitchen_pb2.StreamTicketsRequest(store_id=key[0], station=key[1])
            async for _ in stream(request.SerializeToString()):
                pass

        async def watch_one(order_id: str) -> None:
            result.watches += 1
            last = None
            async for message in watch(
                orders_pb2.WatchOrderRequest(order_id=order_id).SerializeToString()
            ):
                last = orders_pb2.Order.FromString(message).status
            if last == common_pb2.ORDER_STATUS_READY:
                result.watches_ended_ready += 1

        async def one(index: int) -> None:
            try:
                answer = await submit(_draft(menu, rng, f"s-{index % 500}"), timeout=30)
                order_id = orders_pb2.SubmitOrderResponse.FromString(answer).order_id
                ids.append(order_id)
                watcher = asyncio.create_task(watch_one(order_id)) if index % 10 == 0 else None
                got = await get(
                    orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString(), timeout=30
                )
                for ref in orders_pb2.Order.FromString(got).tickets:
                    request = kitchen_pb2.TicketActionRequest(
                        ticket_id=ref.ticket_id
                    ).SerializeToString()
                    await start(request, timeout=30)
                    await bump(request, timeout=30)
                if watcher is not None:
                    await asyncio.wait_for(watcher, 30)
            except grpc.aio.AioRpcError as exc:
                error(exc)

        followers = [asyncio.create_task(follow(key)) for key in keys]
        began = loop.time()

        async def sampler() -> None:
            while loop.time() - began < result.seconds:
                result.samples.append((loop.time() - began, rss_kib(pid)))
                await asyncio.sleep(1.0)

        sampling = asyncio.create_task(sampler())
        calls = []
        total = int(result.rate * result.seconds)
        for i in range(total):
            await asyncio.sleep(max(0.0, began + i / result.rate - loop.time()))
            calls.append(asyncio.create_task(one(i)))
        await asyncio.gather(*calls)
        await sampling
        result.submitted = total
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        for order_id in ids:
            request = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
            try:
                got = await get(request, timeout=30)
            except grpc.aio.AioRpcError as exc:
                evicted = exc.code() == grpc.StatusCode.NOT_FOUND and "retention" in (
                    exc.details() or ""
                )
                if not evicted:
                    error(exc)
                result.evicted += evicted
                continue
            if orders_pb2.Order.FromString(got).status == common_pb2.ORDER_STATUS_READY:
                result.ready += 1


def measure_steady(
    shop_path: Path,
    stores: list[str],
    stations: list[str],
    workdir: Path,
    rate: float,
    seconds: float,
    durability: str = "full",
    retention_s: float | None = DEFAULT_ORDER_RETENTION_S,
    server_args: Sequence[str] = (),
) -> Steady:
    result = Steady(rate, seconds, len(stores), retention_s, label=" ".join(server_args))
    menu = Menu(tuple(stores), Menu.load().items)
    server_args = pyengine_args(
        durability, "--order-retention", str(retention_s or 0), *server_args
    )
    keys = [(store, station) for store in stores for station in stations]
    data_dir = workdir / f"steady-data-{retention_s or 0:g}"
    with ServerProcess(data_dir, shop=shop_path, extra_args=server_args) as server:
        assert server.process is not None
        asyncio.run(_steady(server.target, server.process.pid, menu, keys, result))
    return result


@dataclass
class PythonHeap:
    orders: int
    ready: int = 0
    before: int = 0  # bytes traced by tracemalloc after the warm-up
    mid: int = 0  # after `orders` more orders
    after: int = 0  # and after `orders` more again

    @property
    def warmup(self) -> int:
        return min(500, self.orders)

    @property
    def per_order_bytes(self) -> float:
        """Growth over the second slice: one-off costs (imports, statement caches, the thread
        pool) land in the first."""
        return (self.after - self.mid) / self.orders if self.orders else 0.0


def measure_python_heap(
    shop_path: Path,
    stores: list[str],
    stations: list[str],
    workdir: Path,
    orders: int,
    settle_s: float = 1.5,
) -> PythonHeap:
    import gc
    import tracemalloc

    from pyengine.runtime import Runtime

    result = PythonHeap(orders)
    menu = Menu(tuple(stores), Menu.load().items)
    rng = random.Random(13)

    async def drive() -> None:
        runtime = Runtime.open(workdir / "heap-data", shop_path, durability="normal")
        runtime.start()
        engine = runtime.engine
        keys = [(store, station) for store in stores for station in stations]

        async def follow(key: tuple[str, str]) -> None:
            request = kitchen_pb2.StreamTicketsRequest(store_id=key[0], station=key[1])
            async for _ in runtime.stream_tickets(request.SerializeToString()):
                pass

        async def watch(order_id: str) -> None:
            request = orders_pb2.WatchOrderRequest(order_id=order_id).SerializeToString()
            async for _ in runtime.watch_order(request):
                pass

        async def one(index: int) -> bool:
            outcome = await runtime.submit(_draft(menu, rng, f"h-{index % 500}"))
            order_id = orders_pb2.SubmitOrderResponse.FromString(outcome.response).order_id
            watcher = asyncio.create_task(watch(order_id)) if index % 10 == 0 else None
            request = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
            for ref in orders_pb2.Order.FromString(
                engine.get_order(request, runtime.clock())
            ).tickets:
                action = kitchen_pb2.TicketActionRequest(ticket_id=ref.ticket_id)
                await runtime.call(engine.start_ticket, action.SerializeToString())
                await runtime.call(engine.bump_ticket, action.SerializeToString())
            if watcher is not None:
                await asyncio.wait_for(watcher, 30)
            order = orders_pb2.Order.FromString(engine.get_order(request, runtime.clock()))
            return order.status == common_pb2.ORDER_STATUS_READY

        async def batch(first: int, count: int) -> int:
            done = 0
            for start in range(first, first + count, 20):
                done += sum(
                    await asyncio.gather(
                        *(one(i) for i in range(start, min(start + 20, first + count)))
                    )
                )
            return done

        followers = [asyncio.create_task(follow(key)) for key in keys]
        await asyncio.sleep(0.1)
        await batch(0, result.warmup)
        await asyncio.sleep(settle_s)  # the refresher and the ticker run once
        gc.collect()
        result.before = tracemalloc.get_traced_memory()[0]
        result.ready = await batch(result.warmup, orders)
        await asyncio.sleep(settle_s)
        gc.collect()
        result.mid = tracemalloc.get_traced_memory()[0]
        result.ready += await batch(result.warmup + orders, orders)
        await asyncio.sleep(settle_s)
        gc.collect()
        result.after = tracemalloc.get_traced_memory()[0]
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        await runtime.close()

    tracemalloc.start()
    try:
        asyncio.run(drive())
    finally:
        tracemalloc.stop()
    return result


@dataclass
class StateGrowth:
    """The core's state over a long steady run in simulated time, with the evicted orders'
    idempotency keys kept in memory (`keys_to_log` off, the engine before the key table) or
    moved to the event store's key table (on, what the server does)."""

    keys_to_log: bool
    orders: int
    rate: float  # orders per simulated second
    retention_s: float
    # (orders made, snapshot bytes, orders in memory, rows in the key table, RSS KiB)
    samples: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    replayed: int = 0  # duplicates of evicted orders answered with their first answer
    duplicates: int = 0

    def per_order(self, column: int) -> float:
        """Growth of a column per order over the second half of the run (the first holds the
        warm-up: the retention filling)."""
        half = [(s[0], s[column]) for s in self.samples if s[0] >= self.orders // 2]
        return slope([(float(x), float(y)) for x, y in half])


def _state_growth(
    shop_path: str,
    stores: list[str],
    workdir: str,
    orders: int,
    keys_to_log: bool,
    rate: float,
    retention_s: float = 60.0,
) -> StateGrowth:
    """One run of `measure_state_growth`, in a process of its own (RSS is the process's)."""
    from pyengine.runtime import Clock, Runtime

    result = StateGrowth(keys_to_log, orders, rate, retention_s)
    menu = Menu(tuple(stores), Menu.load().items)
    rng = random.Random(17)
    now = [1_782_000_000_000]

    async def drive() -> None:
        runtime = Runtime.open(
            Path(workdir) / f"state-{keys_to_log}",
            Path(shop_path),
            durability="normal",
            snapshot_every=0,
            order_retention_s=retention_s,
        )
        runtime.engine.set_order_retention(retention_s, keys_to_log=keys_to_log)
        runtime.clock = Clock(runtime.log.last_at_ms(), now_ms=lambda: now[0])
        runtime.start()
        if runtime._ticker is not None:  # simulated time: this loop ticks
            runtime._ticker.cancel()
        engine = runtime.engine
        first: list[tuple[bytes, bytes]] = []
        every = max(1, orders // 20)
        for index in range(orders):
            draft = orders_pb2.SubmitOrderRequest.FromString(_draft(menu, rng, f"s-{index % 500}"))
            draft.order.channel_order_id = f"steady-{index}"
            request = draft.SerializeToString()
            answer = runtime.answer(await runtime.submit(request))
            if index < 100:
                first.append((request, answer))
            order_id = orders_pb2.SubmitOrderResponse.FromString(answer).order_id
            get = orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
            for ref in orders_pb2.Order.FromString(engine.get_order(get, now[0])).tickets:
                action = kitchen_pb2.TicketActionRequest(ticket_id=ref.ticket_id)
                await runtime.call(engine.start_ticket, action.SerializeToString())
                await runtime.call(engine.bump_ticket, action.SerializeToString())
            before = now[0]
            now[0] += int(1000 / rate)
            if now[0] // 1000 != before // 1000:
                await runtime.tick()
            if (index + 1) % every == 0:
                rows = runtime.log._reader.execute("SELECT COUNT(*) FROM idempotency_keys")
                result.samples.append(
                    (
                        index + 1,
                        len(engine.snapshot()),
                        engine.orders_in_memory,
                        int(rows.fetchone()[0]),
                        rss_kib(os.getpid()),
                    )
                )
        # The first orders left memory long ago: their duplicates get their first answers.
        for request, answer in first:
            outcome = await runtime.submit(request)
            result.duplicates += 1
            result.replayed += outcome.replayed and runtime.answer(outcome) == answer
        await runtime.close()

    asyncio.run(drive())
    return result


def measure_state_growth(
    shop_path: Path, stores: list[str], workdir: Path, orders: int, rate: float = 50.0
) -> list[StateGrowth]:
    """The core's state and the key table over `orders` orders made to READY at `rate` a
    simulated second with a 60 s retention, evicted keys kept in memory and then moved to the
    key table; each run in a new process."""
    import concurrent.futures
    import multiprocessing

    runs = []
    for keys_to_log in (False, True):
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            runs.append(
                pool.submit(
                    _state_growth, str(shop_path), stores, str(workdir), orders, keys_to_log, rate
                ).result()
            )
    return runs


def render_state_growth(runs: Sequence[StateGrowth]) -> list[str]:
    if not runs:
        return []
    head = runs[0]
    lines = [
        "The core's state over a long steady run (`measure_state_growth`, in the same run): "
        "the runtime in a process of its own (SQLite log, snapshots off), simulated time, "
        f"{head.orders} orders at {head.rate:g} a simulated second "
        f"({head.orders / head.rate / 60:.1f} simulated minutes), each made to READY at once "
        "through the runtime's calls, the tick every "
        f"simulated second, order retention {head.retention_s:g} s; sampled every "
        f"{head.samples[0][0] if head.samples else 0} orders. State: the bytes of a snapshot "
        "(what the core holds, serialized). Per order: the least-squares slope over the second "
        "half of the run. Then a duplicate of each of the first 100 orders (evicted long ago).",
        "",
        "| evicted orders' idempotency keys | state at the end | state per order | orders in "
        "memory at the end | key table rows | RSS per order | duplicates answered first |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        last = run.samples[-1] if run.samples else (0, 0, 0, 0, 0)
        where = "key table (`keys_to_log`, the server)" if run.keys_to_log else "kept in memory"
        lines.append(
            f"| {where} | {last[1] / 1024:,.0f} KiB | {run.per_order(1):,.1f} B "
            f"| {last[2]} | {last[3]} | {run.per_order(4) * 1024:,.0f} B "
            f"| {run.replayed}/{run.duplicates} |"
        )
    lines.append("")
    return lines


def render(
    per: PerOrder | None,
    steady: Steady | Sequence[Steady] | None,
    heap: PythonHeap | None = None,
    growth: Sequence[StateGrowth] = (),
) -> list[str]:
    lines = ["## Memory", ""]
    if per is not None:
        lines += [
            "`benchmarks/bench_service_memory.py`, in the same run: one new server (snapshots "
            "off), SubmitOrder at concurrency 16, nobody bumping (every order stays open), "
            f"RSS one second after each slice of {per.orders} orders. Every order carries a gold "
            "member (the member promotion applies, so the core counts the member's uses); the "
            "three slices have the same lines (only ids and members differ).",
            "",
            "| slice | RSS after, MiB | growth per order |",
            "|---|---:|---:|",
            f"| {per.warmup} warm-up orders | {per.warm_kib / 1024:.1f} | |",
            f"| A: {per.orders} orders, all of one member | {per.one_member_kib / 1024:.1f} "
            f"| {per.slice_a:,.0f} B |",
            f"| B: {per.orders} orders, each of a new member | {per.many_members_kib / 1024:.1f} "
            f"| {per.slice_b:,.0f} B |",
            f"| C: {per.orders} orders, all of one member | {per.one_member_again_kib / 1024:.1f} "
            f"| {per.slice_c:,.0f} B |",
            "",
            f"- **Per open order: {per.per_order_bytes / 1024:.1f} KiB** of server RSS (mean of "
            f"A and C); **per member: {per.per_member_bytes:,.0f} B** (B over that mean; A and C "
            f"differ by {abs(per.slice_a - per.slice_c):,.0f} B an order, the resolution of "
            "this figure). Correctness: "
            f"{per.submitted - per.errors} of {per.submitted} calls answered OK, "
            f"{per.found} of them found by GetOrder afterwards.",
            "",
        ]
    runs = [steady] if isinstance(steady, Steady) else list(steady or [])
    if runs:
        head = runs[0]
        lines += [
            "Steady state: a new server per row (default settings, snapshots on, the order "
            f"retention of the row) with a StreamTickets subscriber on every station of "
            f"{head.stores} stores; orders to those stores submitted open loop at {head.rate:g}/s "
            f"for {head.seconds:g} s, each made at once through the API (GetOrder, Start and "
            "Bump of every ticket) so it ends READY; a WatchOrder on every tenth order. RSS "
            "sampled every second; growth per minute fitted after the warm-up (the first "
            "quarter, and at least 1.5 retentions: by then finished orders are leaving) over "
            f"the lowest sample of each {FLOOR_WINDOW_S:g} s (snapshots lift RSS for a moment).",
            "",
            "| order retention | orders | READY at the end (in memory + evicted) | errors "
            "| watches ended READY | RSS first / last MiB | warm-up s "
            "| growth after warm-up MiB/min | per completed order |",
            "|---|---:|---:|---|---:|---|---:|---:|---:|",
        ]
        for run in runs:
            first = run.samples[0][1] / 1024 if run.samples else 0.0
            last = run.samples[-1][1] / 1024 if run.samples else 0.0
            errors = ", ".join(f"{k} {v}" for k, v in sorted(run.errors.items())) or "0"
            retention = f"{run.retention_s:g} s" if run.retention_s else "never evict"
            if run.label:
                retention += f", `{run.label}`"
            lines.append(
                f"| {retention} | {run.submitted} | {run.ready + run.evicted} "
                f"({run.ready} + {run.evicted}) | {errors} "
                f"| {run.watches_ended_ready}/{run.watches} | {first:.1f} / {last:.1f} "
                f"| {run.warmup_s:g} | {run.slope_kib_per_min / 1024:.2f} "
                f"| {run.bytes_per_order:,.0f} B |"
            )
        lines.append("")
    lines += [
        "What holds the memory (from the code, not measured here): the Python side keeps "
        "nothing per order once its calls and streams are done (the hubs drop a topic with "
        "its last subscriber; the heap measurement below checks it). The Rust core keeps every "
        "open order and each finished (READY or CANCELLED) one for the order retention "
        "(`pyengine serve --order-retention`, 30 minutes by default) after it finished; then "
        "the clock tick records an `orders_evicted` event dropping it "
        "(engine_rs/core/src/engine/retention.rs). What outlives the order is its idempotency "
        "key (order id, draft fingerprint, acceptance time, log position: about 300 B) for the "
        "idempotency window (7 days by default), so a duplicate is still answered, from the "
        "logged submission: the server keeps it in the event store's key table "
        "(`idempotency_keys`, written with the eviction record), not in memory. So at a steady "
        "rate the core holds about rate x retention orders: flat once the retention is full. "
        "Per member, the core keeps one entry in each applied promotion's `member_uses` map "
        "(member id -> uses), never pruned (a count per member, not per order).",
        "",
    ]
    lines += render_state_growth(growth)
    if heap is not None:
        lines += [
            "The Python heap alone (tracemalloc, which does not see the Rust core's "
            "allocations): the runtime in the benchmark's own process (core, SQLite log, "
            "hubs), the same calls the servicers make, a ticket stream on every station and a "
            f"WatchOrder on every tenth order; after {heap.warmup} orders of warm-up, two "
            f"slices of {heap.orders} orders made to READY "
            f"({heap.ready} of {2 * heap.orders} READY): "
            f"traced Python memory {heap.before / 1024:.0f} KiB after the warm-up, "
            f"{heap.mid / 1024:.0f} KiB after the first slice, {heap.after / 1024:.0f} KiB after "
            f"the second: **{heap.per_order_bytes:,.1f} B per completed order** over the second "
            "slice (the first holds one-off costs: statement caches, the thread pool).",
            "",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    from benchmarks import bench_service

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=10000, help="orders per slice (10000)")
    parser.add_argument("--steady-stores", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="steady orders/s (100)")
    parser.add_argument("--seconds", type=float, default=360.0, help="steady seconds (360)")
    parser.add_argument(
        "--order-retention",
        default="0,60",
        metavar="S,S",
        help="one steady run per server --order-retention, in seconds (0: never evict; "
        "default: 0,60, before and after in the same conditions)",
    )
    parser.add_argument("--heap-orders", type=int, default=3000, help="Python heap orders")
    parser.add_argument(
        "--server-args",
        default="",
        metavar="ARGS",
        help="more `pyengine serve` arguments for the steady runs, e.g. '--snapshot-every 0'",
    )
    parser.add_argument(
        "--state-orders", type=int, default=20000, help="orders of the state growth runs"
    )
    args = parser.parse_args(argv)
    stations = sample_stations()
    stores = [f"bench-{i:04d}" for i in range(args.stores)]
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        shop_path = bench_service.bench_shop(args.stores, Path(tmp))
        per = measure_per_order(shop_path, stores, Path(tmp), args.orders) if args.orders else None
        steady = []
        for retention in (float(r) for r in args.order_retention.split(",")):
            if args.seconds <= 0:
                break
            steady.append(
                measure_steady(
                    shop_path,
                    stores[: args.steady_stores],
                    stations,
                    Path(tmp),
                    args.rate,
                    args.seconds,
                    retention_s=retention or None,
                    server_args=args.server_args.split(),
                )
            )
        heap = None
        if args.heap_orders:
            heap = measure_python_heap(
                shop_path, stores[: args.steady_stores], stations, Path(tmp), args.heap_orders
            )
        growth = (
            measure_state_growth(
                shop_path, stores[: args.steady_stores], Path(tmp), args.state_orders
            )
            if args.state_orders
            else []
        )
    print("\n".join(render(per, steady, heap, growth)))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
