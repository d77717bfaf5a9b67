"""`pyengine demo`: a compressed peak rush through a real server, with results.

Starts `pyengine serve` on a free loopback port with a throw-away data folder, then, over the
public gRPC API only:
- channel clients (counter, kiosk, table QR, mini-program, Meituan, Ele.me) submit a seeded rush
  of orders built from the store's menu (GetMenu), a few in flight at once;
- a simulated kitchen follows every station's ticket stream and starts and bumps tickets after
  their standard work time, `--speed` times faster than real, with each station's slots (the
  server runs with `--time-scale` = `--speed`, so its clock keeps pace with the kitchen);
- every order is watched (WatchOrder) until READY.
Prints waiting times, ETA error, late orders and throughput, in simulated time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from pyengine import rush
from pyengine.cli._demo_report import OrderRecord, compute, render
from pyengine.cli._kitchen import Kitchen
from pyengine.cli._server_clock import ServerClock
from pyengine.routes import StoreRoutes
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, orders_pb2, orders_pb2_grpc, store_pb2, store_pb2_grpc

RPC_TIMEOUT_S = 10.0
# Refusals worth retrying: the engine sheds or paces load, pauses a channel or hides slow items
# in fast mode. A channel adapter retries these a while; after RETRY_FOR_SIM_S the order is lost.
RETRY_CODES = frozenset(
    {
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.UNAVAILABLE,
    }
)
RETRY_EVERY_SIM_S = 30.0
# How far the server's measured clock rate may be from --speed (the measurement's own error is
# about a round trip in 0.3 s).
SCALE_TOLERANCE = 0.1
RETRY_FOR_SIM_S = 600.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run a compressed rush through a real server and print the results",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=200, help="orders in the rush (200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the order generator (1)")
    parser.add_argument("--shop", type=Path, help="shop TOML (default: the sample shop)")
    parser.add_argument(
        "--target",
        metavar="HOST:PORT",
        help="drive this running server instead of starting one (e.g. to watch it on a KDS)",
    )
    parser.add_argument("--store", default="sh-001", help="store to rush (sh-001)")
    parser.add_argument(
        "--speed",
        type=float,
        default=300.0,
        help="time compression, simulated/wall (300); with --target, the server's --time-scale",
    )
    parser.add_argument("--peak", type=float, default=10.0, help="peak orders a minute (10)")
    parser.add_argument("--in-flight", type=int, default=6, help="concurrent submissions (6)")
    parser.add_argument(
        "--stall-s",
        type=float,
        default=30.0,
        help="give up after this many wall seconds without an order getting ready (30)",
    )
    parser.set_defaults(run=run)


@dataclass
class Rush:
    """One run: the plan, what happened to each order, and the clocks."""

    args: argparse.Namespace
    plan: list[rush.PlannedOrder]
    records: list[OrderRecord]
    progress: Progress
    task_id: TaskID
    clock: ServerClock
    start: float = 0.0  # loop time of simulated second 0
    first_accepted: float = math.inf  # loop times, for the wall-clock throughput
    last_ready: float = 0.0
    last_news: float = 0.0  # loop time of the last acceptance or READY
    channels: dict[int, grpc.aio.Channel] = field(default_factory=dict)

    @property
    def speed(self) -> float:
        return float(self.args.speed)

    def sim_now(self) -> float:
        return (asyncio.get_running_loop().time() - self.start) * self.speed

    def orders_stub(self, channel: int) -> orders_pb2_grpc.OrderServiceStub:
        """Each sales channel talks to the engine over its own connection, as adapters do."""
        if channel not in self.channels:
            self.channels[channel] = grpc.aio.insecure_channel(self.args.target)
        return orders_pb2_grpc.OrderServiceStub(self.channels[channel])  # type: ignore[no-untyped-call]

    def request(self, order: rush.PlannedOrder) -> orders_pb2.SubmitOrderRequest:
        target_ms = 0
        if order.fulfillment == common_pb2.FULFILLMENT_DELIVERY:
            target_ms = self.clock.now_ms() + order.rider_s * 1000  # the rider's arrival
        return orders_pb2.SubmitOrderRequest(
            order=orders_pb2.OrderDraft(
                store_id=self.args.store,
                channel=order.channel,  # type: ignore[arg-type]
                channel_order_id=f"demo{self.args.seed}-{order.channel_order_id}",
                lines=order.lines,
                fulfillment=order.fulfillment,  # type: ignore[arg-type]
                target_time_ms=target_ms,
            )
        )

    async def place(
        self, order: rush.PlannedOrder, record: OrderRecord, slots: asyncio.Semaphore
    ) -> None:
        await asyncio.sleep(
            max(0.0, self.start + order.at_s / self.speed - asyncio.get_running_loop().time())
        )
        stub = self.orders_stub(order.channel)
        async with slots:
            response = await self.submit(stub, order, record)
        if response is None:
            self.progress.advance(self.task_id)
            return
        record.accepted_at_ms = response.accepted_at_ms
        record.quoted_eta_ms = response.quote.eta_ms
        loop = asyncio.get_running_loop()
        self.last_news = loop.time()
        self.first_accepted = min(self.first_accepted, self.last_news)
        await self.watch(stub, response.order_id, record)
        self.last_news = self.last_ready = loop.time()
        self.progress.advance(self.task_id)

    async def submit(
        self, stub: orders_pb2_grpc.OrderServiceStub, order: rush.PlannedOrder, record: OrderRecord
    ) -> orders_pb2.SubmitOrderResponse | None:
        deadline = self.sim_now() + RETRY_FOR_SIM_S
        while True:
            try:
                response: orders_pb2.SubmitOrderResponse = await stub.SubmitOrder(
                    self.request(order), timeout=RPC_TIMEOUT_S
                )
                return response
            except grpc.aio.AioRpcError as err:
                if err.code() not in RETRY_CODES or self.sim_now() > deadline:
                    record.refused = f"{err.code().name}: {err.details()}"
                    return None
                record.retries += 1
            await asyncio.sleep(RETRY_EVERY_SIM_S / self.speed)

    async def watch(
        self, stub: orders_pb2_grpc.OrderServiceStub, order_id: str, record: OrderRecord
    ) -> None:
        request = orders_pb2.WatchOrderRequest(order_id=order_id)
        while True:
            with contextlib.suppress(grpc.aio.AioRpcError):
                async for update in stub.WatchOrder(request):
                    if update.status == common_pb2.ORDER_STATUS_READY:
                        record.ready_at_ms = update.ready_at_ms
                        return
                    if update.status == common_pb2.ORDER_STATUS_CANCELLED:
                        record.refused = f"cancelled: {update.cancel_reason}"
                        return
            await asyncio.sleep(0.05)  # the stream broke or ended early: watch again

    async def supervise(
        self, places: asyncio.Future[list[None]], kitchen: asyncio.Task[None]
    ) -> str:
        """Waits for every order; returns "" or why the run was abandoned."""
        loop = asyncio.get_running_loop()
        while True:
            waiting: set[asyncio.Future[Any]] = {places, kitchen}
            done, _ = await asyncio.wait(waiting, timeout=0.2)
            sim = self.sim_now()
            in_kitchen = sum(1 for r in self.records if r.accepted_at_ms and not r.ready_at_ms)
            clock = f"{int(sim) // 60:3d}:{int(sim) % 60:02d}"
            self.progress.update(self.task_id, sim=clock, waiting=in_kitchen)
            if places in done:
                places.result()
                return ""
            if kitchen in done:
                return f"the simulated kitchen stopped: {_root_cause(kitchen.exception())}"
            quiet = loop.time() - max(self.last_news, self.start)
            if (
                quiet > self.args.stall_s
                and self.start + self.plan[-1].at_s / self.speed < loop.time()
            ):
                return f"no order got ready for {quiet:.0f} s (wall)"


def _root_cause(exc: BaseException | None) -> str:
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {exc.details()}"
    return repr(exc)


@dataclass
class Outcome:
    records: list[OrderRecord]
    failure: str = ""  # why the run was abandoned, if it was
    wall_span_s: float = 0.0  # first acceptance to last ready, on the wall clock


async def drive(args: argparse.Namespace, console: Console) -> Outcome:
    # Every call of the demo is about one store: talk to its worker (`serve --workers N`).
    args.target = (await StoreRoutes.fetch_async(args.target)).of_store(args.store)
    async with grpc.aio.insecure_channel(args.target) as kitchen_channel:
        store = store_pb2_grpc.StoreServiceStub(kitchen_channel)  # type: ignore[no-untyped-call]
        menu = await store.GetMenu(
            store_pb2.GetMenuRequest(store_id=args.store), timeout=RPC_TIMEOUT_S
        )
        plan = rush.generate(menu, args.orders, args.seed, args.peak)
        outcome = Outcome([OrderRecord(o.channel, o.fulfillment, o.rider_s) for o in plan])
        clock = await ServerClock.read(store, args.store)
        if abs(clock.scale / args.speed - 1) > SCALE_TOLERANCE:
            outcome.failure = (
                f"the server's clock runs {clock.scale:.3g}x the wall clock, the kitchen would run "
                f"{args.speed:g}x: start the server with --time-scale {args.speed:g}"
            )
            return outcome
        if not plan:
            return outcome
        columns = (
            TextColumn("[bold]rush[/] sim {task.fields[sim]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ready, {task.fields[waiting]:3d} in the kitchen"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task_id = progress.add_task("rush", total=len(plan), sim="  0:00", waiting=0)
            run = Rush(args, plan, outcome.records, progress, task_id, clock)
            kitchen = asyncio.create_task(
                Kitchen(kitchen_channel, menu, run.speed, args.seed).run()
            )
            run.start = asyncio.get_running_loop().time()
            slots = asyncio.Semaphore(max(args.in_flight, 1))
            places = asyncio.gather(
                *(run.place(o, r, slots) for o, r in zip(plan, outcome.records, strict=True))
            )
            try:
                outcome.failure = await run.supervise(places, kitchen)
            finally:
                for task in (places, kitchen):
                    task.cancel()
                await asyncio.gather(places, kitchen, return_exceptions=True)
                for channel in run.channels.values():
                    await channel.close()
        outcome.wall_span_s = max(0.0, run.last_ready - run.first_accepted)
        return outcome


def _shed_by_scheduler(refusal: str) -> bool:
    return refusal.startswith("FAILED_PRECONDITION") and (
        "fast mode" in refusal or "is paused" in refusal
    )


def run(args: argparse.Namespace) -> int:
    console = Console()
    with contextlib.ExitStack() as stack:
        if not args.target:
            data = stack.enter_context(tempfile.TemporaryDirectory(prefix="pyengine-demo-"))
            scale = ["--time-scale", str(args.speed)]
            server = ServerProcess(Path(data), shop=args.shop, extra_args=scale)
            args.target = stack.enter_context(server).target
        console.print(
            f"pyengine demo: {args.orders} orders, seed {args.seed}, store {args.store} at "
            f"{args.target}; {args.speed:g}x time"
        )
        outcome = asyncio.run(drive(args, console))
    records = outcome.records
    stats = compute(records, outcome.wall_span_s)
    if stats.accepted:
        console.print(render(stats, args.speed))
    problems = [outcome.failure] if outcome.failure else []
    # Fast mode and channel pause refuse orders on purpose (the customer picks something else);
    # anything else refused is a failure of the demo.
    shed = [r.refused for r in records if r.refused and _shed_by_scheduler(r.refused)]
    if shed:
        console.print(f"{len(shed)} order(s) shed by the scheduler, e.g. {shed[0]}")
    unexpected = [r.refused for r in records if r.refused and not _shed_by_scheduler(r.refused)]
    if unexpected:
        problems.append(f"{len(unexpected)} order(s) refused or cancelled, e.g. {unexpected[0]}")
    missing = stats.orders - stats.ready - stats.refused
    if missing and not outcome.failure.startswith("the server's clock"):
        problems.append(f"{missing} order(s) never reached READY")
    for problem in problems:
        console.print(f"[red]demo failed:[/] {problem}")
    return 1 if problems else 0
