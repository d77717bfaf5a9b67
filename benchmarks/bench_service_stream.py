"""The stream benchmark: from SubmitOrder to the ticket on a kitchen display.

A server with `stores` stores (the bench shop of bench_service) and a KDS subscriber
(StreamTickets) on every station of every store, all in the one load client. The client submits
orders open loop at `rate` a second over all stores and notes, per order, when the call started,
when it was answered and when the order's first ticket (ADDED) arrived on its station's stream.
The ticket is published at the commit, just before the answer is sent, so it may arrive before
the answer: "answer to ticket" can be negative.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from benchmarks.servers import pyengine_args
from loadtests.orders import Menu
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2

STREAM_METHOD = "/pyengine.v1.KitchenService/StreamTickets"
SUBMIT_METHOD = "/pyengine.v1.OrderService/SubmitOrder"


@dataclass
class StreamResult:
    stores: int
    streams: int
    rate: float
    seconds: float
    submitted: int = 0
    errors: int = 0
    events: int = 0
    from_call_ms: list[float] = field(default_factory=list)
    from_answer_ms: list[float] = field(default_factory=list)
    missing: int = 0  # answered orders whose ticket never arrived


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run_stream(
    shop_path: Path,
    stores: list[str],
    stations: list[str],
    workdir: Path,
    rate: float,
    seconds: float,
    durability: str,
) -> StreamResult:
    result = StreamResult(len(stores), len(stores) * len(stations), rate, seconds)
    menu = Menu(tuple(stores), Menu.load().items)
    rng = random.Random(7)
    server_args = pyengine_args(durability)
    with ServerProcess(workdir / "stream-data", shop=shop_path, extra_args=server_args) as server:
        async with grpc.aio.insecure_channel(server.target) as channel:
            loop = asyncio.get_running_loop()
            arrived: dict[str, float] = {}
            waiting: dict[str, asyncio.Future[float]] = {}
            subscribe: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(
                STREAM_METHOD
            )
            submit: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
                SUBMIT_METHOD
            )
            ready = 0

            async def follow(store: str, station: str) -> None:
                nonlocal ready
                request = kitchen_pb2.StreamTicketsRequest(store_id=store, station=station)
                call = subscribe(request.SerializeToString())
                ready += 1
                async for message in call:
                    now = loop.time()
                    result.events += 1
                    event = kitchen_pb2.TicketEvent.FromString(message)
                    if event.kind != kitchen_pb2.TICKET_EVENT_KIND_ADDED:
                        continue
                    order_id = event.ticket.order_id
                    if order_id not in arrived:
                        arrived[order_id] = now
                        future = waiting.pop(order_id, None)
                        if future is not None and not future.done():
                            future.set_result(now)

            followers = [
                asyncio.create_task(follow(store, station))
                for store in stores
                for station in stations
            ]
            while ready < len(followers):
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # let every subscription reach the server

            async def one(draft: orders_pb2.OrderDraft) -> None:
                began = loop.time()
                try:
                    answer = await submit(
                        orders_pb2.SubmitOrderRequest(order=draft).SerializeToString(), timeout=30
                    )
                except grpc.aio.AioRpcError:
                    result.errors += 1
                    return
                answered = loop.time()
                order_id = orders_pb2.SubmitOrderResponse.FromString(answer).order_id
                if order_id in arrived:
                    at = arrived[order_id]
                else:
                    future: asyncio.Future[float] = loop.create_future()
                    waiting[order_id] = future
                    try:
                        at = await asyncio.wait_for(future, 10)
                    except TimeoutError:
                        result.missing += 1
                        return
                result.from_call_ms.append((at - began) * 1000)
                result.from_answer_ms.append((at - answered) * 1000)

            calls = []
            start = loop.time()
            now_ms = time.time_ns() // 1_000_000
            for i in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
                channel_kind = rng.choice(
                    [
                        common_pb2.CHANNEL_COUNTER,
                        common_pb2.CHANNEL_MEITUAN,
                        common_pb2.CHANNEL_KIOSK,
                    ]
                )
                calls.append(asyncio.create_task(one(menu.draft(rng, channel_kind, now_ms))))
            await asyncio.gather(*calls)
            result.submitted = len(calls)
            for task in followers:
                task.cancel()
            await asyncio.gather(*followers, return_exceptions=True)
    return result


def render(result: StreamResult) -> list[str]:
    return [
        "## Stream: from SubmitOrder to the kitchen display",
        "",
        "`benchmarks/bench_service_stream.py`, in the same run: a new server of the same shop "
        f"and durability; on {result.stores} of its stores a StreamTickets subscriber on every "
        f"station ({result.streams} open streams, all in the one client process), and orders to "
        f"those stores submitted open loop at {result.rate:g}/s for {result.seconds:g} s. "
        "The client decodes every ticket event to find its order. The ticket is published at "
        'the commit, just before the answer is sent, so "answer to ticket" can be negative.',
        "",
        "| orders | errors | tickets missing | ticket events received "
        "| call start to ticket p50 / p99 ms | answer to ticket p50 / p99 ms |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {result.submitted} | {result.errors} | {result.missing} | {result.events} "
        f"| {percentile(result.from_call_ms, 50):.1f} / {percentile(result.from_call_ms, 99):.1f} "
        f"| {percentile(result.from_answer_ms, 50):.1f} / "
        f"{percentile(result.from_answer_ms, 99):.1f} |",
        "",
        "Issue 6 target: submit-to-ticket p99 <= 50 ms.",
        "",
    ]
