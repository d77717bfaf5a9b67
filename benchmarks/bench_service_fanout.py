"""The fan-out benchmark: ticket events delivered to about 1,000 open kitchen-display streams.

Issue 6 asks for ">= 20,000 ticket events/s fanned out to 1,000 open KDS streams". This module
measures what one `pyengine serve` delivers, in two phases of one run:

1. live: `stores` stores x every station, one StreamTickets subscriber each, spread over
   `subscriber_procs` client processes (each with its own gRPC connections). A driver (this
   process, grpc.aio, raw bytes) runs `workers` orders at a time through their whole life over the
   API: SubmitOrder (ASAP channels, so tickets go on the displays at once), GetOrder for its
   tickets, then Start and Bump of every ticket in kitchen order. Each ticket yields ADDED,
   STARTED and BUMPED on its station's stream. Measured: events delivered per second to all
   subscribers during the drive, and the latency from the Start/Bump call to the STARTED/BUMPED
   event at the display (call start to receive, and answer to receive: the event is published at
   the commit, just before the answer is sent, so the second can be negative). Correctness: at the
   end every stream must hold exactly seqs 1..last_seq of its station (GetStationBoard), nothing
   missing, duplicated or out of order.
2. catch-up: every display reconnects at once from seq 0 (what a restart of the server or of the
   shop's network looks like) and reads its station's whole history: the same per-message stream
   path, but not limited by how fast the API can create events. Measured: events/s until the last
   stream has caught up; correctness as above. Alternating with it, the same subscribers read as
   many messages from a bare grpc.aio stream (the ceiling of one event a message) and catch up
   again by StreamTicketBatches (several events a message: what the CLI's displays use).

The client processes, the driver and the server share the machine's cores.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

from benchmarks.echo_server import STREAM_METHOD as ECHO_STREAM_METHOD
from benchmarks.servers import EchoProcess, pyengine_args, sample_stations
from loadtests.orders import Menu
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2

STREAM_METHOD = "/pyengine.v1.KitchenService/StreamTickets"
BATCH_METHOD = "/pyengine.v1.KitchenService/StreamTicketBatches"
SUBMIT_METHOD = "/pyengine.v1.OrderService/SubmitOrder"
GET_ORDER_METHOD = "/pyengine.v1.OrderService/GetOrder"
START_METHOD = "/pyengine.v1.KitchenService/Start"
BUMP_METHOD = "/pyengine.v1.KitchenService/Bump"
BOARD_METHOD = "/pyengine.v1.KitchenService/GetStationBoard"
STARTED = kitchen_pb2.TICKET_EVENT_KIND_STARTED
BUMPED = kitchen_pb2.TICKET_EVENT_KIND_BUMPED
# Streams per gRPC connection in a subscriber process.
STREAMS_PER_CHANNEL = 250
# Channels whose orders go on the displays at once (no just-in-time hold).
ASAP_CHANNELS = (
    common_pb2.CHANNEL_COUNTER,
    common_pb2.CHANNEL_KIOSK,
    common_pb2.CHANNEL_MINI_PROGRAM,
)

Key = tuple[str, str]
Unary = grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]
Stream = grpc.aio.UnaryStreamMultiCallable[bytes, bytes]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class StreamCheck:
    """What one phase's streams received against what the server says they hold."""

    streams: int = 0
    events: int = 0
    expected: int = 0
    missing: int = 0  # seqs in 1..last_seq never received
    duplicates: int = 0
    out_of_order: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicates or self.out_of_order)

    def add(self, other: StreamCheck) -> None:
        """Adds another round over the same streams."""
        self.streams = other.streams
        self.events += other.events
        self.expected += other.expected
        self.missing += other.missing
        self.duplicates += other.duplicates
        self.out_of_order += other.out_of_order


@dataclass
class FanoutResult:
    stores: int
    streams: int
    subscriber_procs: int
    workers: int
    seconds: float
    orders: int = 0
    calls: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0  # Start refused because the ticket was not on its display yet
    live_events: int = 0  # delivered inside the driven window
    live_rate: float = 0.0
    from_call_ms: list[float] = field(default_factory=list)
    from_answer_ms: list[float] = field(default_factory=list)
    live: StreamCheck = field(default_factory=StreamCheck)
    catchup: StreamCheck = field(default_factory=StreamCheck)
    catchup_s: float = 0.0
    server_cpu: float = 0.0  # CPU s/s of the server while driven
    catchup_cpu_s: float = 0.0  # the server's CPU seconds for the whole catch-up
    event_bytes: int = 0  # bytes of the live events received
    echo: StreamCheck = field(default_factory=StreamCheck)  # the bare grpc.aio stream rounds
    echo_s: float = 0.0
    echo_cpu_s: float = 0.0
    echo_bytes: int = 0  # the echo's message size (the live events' mean)
    batched: StreamCheck = field(default_factory=StreamCheck)  # catch-up by StreamTicketBatches
    batched_s: float = 0.0
    batched_cpu_s: float = 0.0
    batched_messages: int = 0
    profile: Any = None  # bench_service_profile.Profile, if sampled


def _check(received: dict[Key, list[int]], last: dict[Key, int]) -> StreamCheck:
    check = StreamCheck(streams=len(received))
    for key, seqs in received.items():
        check.events += len(seqs)
        check.expected += last[key]
        seen = set(seqs)
        check.duplicates += len(seqs) - len(seen)
        check.missing += sum(1 for s in range(1, last[key] + 1) if s not in seen)
        check.out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b <= a)
    return check


# The subscriber processes.


def _subscriber(target: str, keys: list[Key], conn: Connection) -> None:
    asyncio.run(_subscribe(target, keys, conn))


async def _subscribe(target: str, keys: list[Key], conn: Connection) -> None:
    loop = asyncio.get_running_loop()

    def connect(to: str) -> list[grpc.aio.Channel]:
        return [
            grpc.aio.insecure_channel(to, options=[("grpc.channel_id", i)])
            for i in range(max(1, -(-len(keys) // STREAMS_PER_CHANNEL)))
        ]

    connections = {target: connect(target)}
    received_bytes = 0
    seqs: dict[Key, list[int]] = {key: [] for key in keys}
    # (ticket_id, kind) -> monotonic receive time, for STARTED and BUMPED
    arrivals: dict[tuple[str, int], float] = {}
    times: list[float] = []  # receive time of every live event
    ready = 0
    batches = 0  # StreamTicketBatches messages of the current round

    async def follow(
        index: int,
        key: Key,
        after: int,
        sink: list[int],
        live: bool,
        to: str = target,
        method: str = STREAM_METHOD,
    ) -> None:
        nonlocal ready, received_bytes, batches
        channels = connections[to]
        channel = channels[index % len(channels)]
        subscribe: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(method)
        call = subscribe(
            kitchen_pb2.StreamTicketsRequest(
                store_id=key[0], station=key[1], after_seq=after
            ).SerializeToString()
        )
        ready += 1
        from_bytes = kitchen_pb2.TicketEvent.FromString
        if method == BATCH_METHOD:
            async for message in call:
                batches += 1
                sink.extend(e.seq for e in kitchen_pb2.TicketEventBatch.FromString(message).events)
                if len(sink) >= after_total[key]:
                    return
            return
        async for message in call:
            now = time.monotonic()
            event = from_bytes(message)
            sink.append(event.seq)
            if live:
                received_bytes += len(message)
                times.append(now)
                if event.kind == STARTED or event.kind == BUMPED:
                    arrivals[(event.ticket.ticket_id, event.kind)] = now
            elif len(sink) >= after_total[key]:
                return

    after_total: dict[Key, int] = {}
    tasks = [asyncio.create_task(follow(i, key, 0, seqs[key], True)) for i, key in enumerate(keys)]
    while ready < len(tasks):
        await asyncio.sleep(0.02)
    # Every stream starts from seq 0, so nothing is lost if a subscription reaches the server
    # after the drive began; the pause only keeps subscribing out of the timed window.
    await asyncio.sleep(1.0)
    conn.send("ready")
    # The parent says when the drive is over and how far each stream must have got.
    expected: dict[Key, int] = await loop.run_in_executor(None, conn.recv)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(len(seqs[k]) < expected[k] for k in keys):
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send((seqs, arrivals, times, received_bytes))
    # Catch-up rounds: on each ("go", target, method) every display reconnects from seq 0 at
    # once; the echo server's stream method takes the count of messages in after_seq.
    after_total.update(expected)
    while (command := await loop.run_in_executor(None, conn.recv))[0] == "go":
        _, to, method = command
        if to not in connections:
            connections[to] = connect(to)
        history: dict[Key, list[int]] = {key: [] for key in keys}
        batches = 0
        began = time.monotonic()
        tasks = [
            asyncio.create_task(
                follow(
                    i,
                    key,
                    expected[key] if method == ECHO_STREAM_METHOD else 0,
                    history[key],
                    False,
                    to,
                    method,
                )
            )
            for i, key in enumerate(keys)
            if expected[key] > 0
        ]
        _, pending = await asyncio.wait(tasks, timeout=60)
        for task in pending:
            task.cancel()
        ended = time.monotonic()
        conn.send((history, began, ended, batches))
    for channels in connections.values():
        for channel in channels:
            await channel.close()


# The driver.


async def _drive(
    target: str,
    menu: Menu,
    workers: int,
    seconds: float,
    result: FanoutResult,
) -> dict[tuple[str, int], tuple[float, float]]:
    """Orders through their whole life until `seconds` have passed; returns, per (ticket_id,
    STARTED|BUMPED), the Start/Bump call's start and answer times."""
    calls: dict[tuple[str, int], tuple[float, float]] = {}
    async with grpc.aio.insecure_channel(target) as channel:
        submit: Unary = channel.unary_unary(SUBMIT_METHOD)
        get_order: Unary = channel.unary_unary(GET_ORDER_METHOD)
        actions: dict[int, Unary] = {
            STARTED: channel.unary_unary(START_METHOD),
            BUMPED: channel.unary_unary(BUMP_METHOD),
        }
        end = time.monotonic() + seconds

        async def call(method: Any, request: bytes) -> bytes | None:
            result.calls += 1
            try:
                answer: bytes = await method(request, timeout=30)
            except grpc.aio.AioRpcError as exc:
                name = exc.code().name
                result.errors[name] = result.errors.get(name, 0) + 1
                return None
            return answer

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < end:
                draft = menu.draft(rng, rng.choice(ASAP_CHANNELS), time.time_ns() // 1_000_000)
                answer = await call(
                    submit, orders_pb2.SubmitOrderRequest(order=draft).SerializeToString()
                )
                if answer is None:
                    continue
                result.orders += 1
                order_id = orders_pb2.SubmitOrderResponse.FromString(answer).order_id
                got = await call(
                    get_order, orders_pb2.GetOrderRequest(order_id=order_id).SerializeToString()
                )
                if got is None:
                    continue
                for ref in orders_pb2.Order.FromString(got).tickets:
                    request = kitchen_pb2.TicketActionRequest(
                        ticket_id=ref.ticket_id
                    ).SerializeToString()
                    for kind in (STARTED, BUMPED):
                        for _ in range(200):
                            began = time.monotonic()
                            try:
                                await actions[kind](request, timeout=30)
                            except grpc.aio.AioRpcError as exc:
                                if exc.code() == grpc.StatusCode.FAILED_PRECONDITION:
                                    # not on its display yet (an earlier station's ticket)
                                    result.retries += 1
                                    await asyncio.sleep(0.005)
                                    continue
                                name = exc.code().name
                                result.errors[name] = result.errors.get(name, 0) + 1
                                break
                            finally:
                                result.calls += 1
                            calls[(ref.ticket_id, kind)] = (began, time.monotonic())
                            break

        await asyncio.gather(*(worker(i) for i in range(workers)))
    return calls


async def _last_seqs(target: str, keys: list[Key]) -> dict[Key, int]:
    async with grpc.aio.insecure_channel(target) as channel:
        board: Unary = channel.unary_unary(BOARD_METHOD)
        out = {}
        for key in keys:
            request = kitchen_pb2.GetStationBoardRequest(store_id=key[0], station=key[1])
            answer = await board(request.SerializeToString(), timeout=30)
            out[key] = kitchen_pb2.StationBoard.FromString(answer).last_seq
    return out


# Catch-up rounds of each server, alternating (pyengine, echo, pyengine, echo, ...).
CATCHUP_ROUNDS = 2


def _catch_up(
    pipes: list[Connection], last: dict[Key, int], target: str, method: str = STREAM_METHOD
) -> tuple[StreamCheck, float, int]:
    """One catch-up round in every subscriber process: its check, its wall time and the
    messages of a StreamTicketBatches round."""
    for pipe in pipes:
        pipe.send(("go", target, method))
    history: dict[Key, list[int]] = {}
    starts, ends = [], []
    messages = 0
    for pipe in pipes:
        seqs, began, ended, batches = pipe.recv()
        history.update(seqs)
        starts.append(began)
        ends.append(ended)
        messages += batches
    return _check(history, last), max(ends) - min(starts), messages


def _cpu_seconds(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_fanout(
    shop_path: Path,
    stores: list[str],
    stations: list[str],
    workdir: Path,
    *,
    workers: int = 32,
    seconds: float = 10.0,
    subscriber_procs: int = 2,
    durability: str = "full",
    profile_s: float = 0.0,
    profile_phase: str = "catchup",
) -> FanoutResult:
    keys = [(store, station) for store in stores for station in stations]
    result = FanoutResult(len(stores), len(keys), subscriber_procs, workers, seconds)
    menu = Menu(tuple(stores), Menu.load().items)
    server_args = pyengine_args(durability)
    context = mp.get_context("spawn")
    with ServerProcess(workdir / "fanout-data", shop=shop_path, extra_args=server_args) as server:
        assert server.process is not None
        pid = server.process.pid
        parts = [keys[i::subscriber_procs] for i in range(subscriber_procs)]
        pipes = []
        procs = []
        for part in parts:
            here, there = context.Pipe()
            proc = context.Process(target=_subscriber, args=(server.target, part, there))
            proc.start()
            pipes.append(here)
            procs.append(proc)
        try:
            for pipe in pipes:
                if not pipe.poll(120) or pipe.recv() != "ready":
                    raise RuntimeError("a subscriber process did not get its streams open")
            time.sleep(0.5)
            spy = None
            raw = workdir / "fanout-profile.raw"
            if profile_s > 0 and profile_phase == "live":
                from benchmarks import bench_service_profile as profiling

                if profiling.executable():
                    spy = profiling.record(pid, profile_s, raw)
            cpu0 = _cpu_seconds(pid)
            t0 = time.monotonic()
            calls = asyncio.run(_drive(server.target, menu, workers, seconds, result))
            t1 = time.monotonic()
            result.server_cpu = (_cpu_seconds(pid) - cpu0) / (t1 - t0)
            if spy is not None:
                spy.wait(120)
                if raw.exists():
                    from benchmarks import bench_service_profile as profiling

                    result.profile = profiling.parse(raw, profile_s, 200)
            last = asyncio.run(_last_seqs(server.target, keys))
            for pipe, part in zip(pipes, parts, strict=True):
                pipe.send({key: last[key] for key in part})
            received: dict[Key, list[int]] = {}
            arrivals: dict[tuple[str, int], float] = {}
            times: list[float] = []
            for pipe in pipes:
                seqs, arrived, when, nbytes = pipe.recv()
                result.event_bytes += nbytes
                received.update(seqs)
                arrivals.update(arrived)
                times += when
            result.live = _check(received, last)
            result.live_events = sum(1 for t in times if t0 <= t <= t1)
            result.live_rate = result.live_events / (t1 - t0)
            for ticket_kind, (began, answered) in calls.items():
                at = arrivals.get(ticket_kind)
                if at is not None:
                    result.from_call_ms.append((at - began) * 1000)
                    result.from_answer_ms.append((at - answered) * 1000)
            mean_bytes = round(result.event_bytes / max(1, result.live.events))
            with EchoProcess("--stream-bytes", str(mean_bytes)) as echo:
                # Alternating rounds, pyengine then the bare grpc.aio stream, summed.
                for _ in range(CATCHUP_ROUNDS):
                    cpu0 = _cpu_seconds(pid)
                    check, seconds, _ = _catch_up(pipes, last, server.target)
                    result.catchup_cpu_s += _cpu_seconds(pid) - cpu0
                    result.catchup_s += seconds
                    result.catchup.add(check)
                    cpu0 = _cpu_seconds(echo.pid)
                    check, seconds, _ = _catch_up(pipes, last, echo.target, ECHO_STREAM_METHOD)
                    result.echo_cpu_s += _cpu_seconds(echo.pid) - cpu0
                    result.echo_s += seconds
                    result.echo.add(check)
                    cpu0 = _cpu_seconds(pid)
                    check, seconds, messages = _catch_up(pipes, last, server.target, BATCH_METHOD)
                    result.batched_cpu_s += _cpu_seconds(pid) - cpu0
                    result.batched_s += seconds
                    result.batched.add(check)
                    result.batched_messages += messages
            result.echo_bytes = mean_bytes
            if profile_s > 0 and profile_phase == "catchup":
                # A second, sampled round: py-spy pauses the process to sample, so the measured
                # round above runs without it.
                from benchmarks import bench_service_profile as profiling

                if profiling.executable():
                    spy = profiling.record(pid, profile_s, raw)
                    time.sleep(1.0)  # py-spy attaches
                    ok = True
                    while spy.poll() is None:  # rounds until py-spy is done
                        check, _, _ = _catch_up(pipes, last, server.target)
                        ok = ok and check.ok
                    if raw.exists() and ok:
                        result.profile = profiling.parse(raw, profile_s, 200)
            for pipe in pipes:
                pipe.send(("stop",))
        finally:
            for proc in procs:
                proc.join(30)
                if proc.is_alive():
                    proc.kill()
    return result


def render(result: FanoutResult) -> list[str]:
    errors = ", ".join(f"{k} {v}" for k, v in sorted(result.errors.items())) or "0"
    live, catchup = result.live, result.catchup
    catchup_rate = catchup.events / result.catchup_s if result.catchup_s else 0.0
    live_us = result.server_cpu * 1e6 / result.live_rate if result.live_rate else 0.0
    catchup_us = result.catchup_cpu_s * 1e6 / catchup.events if catchup.events else 0.0
    calls_per_event = result.calls / result.live_events if result.live_events else 0.0
    echo = result.echo
    echo_rate = echo.events / result.echo_s if result.echo_s else 0.0
    echo_us = result.echo_cpu_s * 1e6 / echo.events if echo.events else 0.0
    share = catchup_rate / echo_rate if echo_rate else 0.0
    batched = result.batched
    batched_rate = batched.events / result.batched_s if result.batched_s else 0.0
    batched_us = result.batched_cpu_s * 1e6 / batched.events if batched.events else 0.0
    per_message = batched.events / result.batched_messages if result.batched_messages else 0.0
    return [
        "## Fan-out: ticket events to about 1,000 kitchen displays",
        "",
        "`benchmarks/bench_service_fanout.py`, in the same run: a new server of the same shop "
        f"and durability; on {result.stores} of its stores a StreamTickets subscriber on every "
        f"station (**{result.streams} open streams**) in {result.subscriber_procs} client "
        f"processes. **Live**: a driver process runs {result.workers} orders at a time through "
        f"their whole life over the API for {result.seconds:g} s (SubmitOrder on ASAP channels, "
        "GetOrder, then Start and Bump of every ticket in kitchen order; a Start refused "
        "because the ticket is not on its display yet is retried after 5 ms), so each ticket "
        "yields ADDED, STARTED and BUMPED on its station's stream. **Catch-up**: then every "
        "display reconnects at once from seq 0 and reads its station's whole history, and, "
        f"alternating with it ({CATCHUP_ROUNDS} rounds each, summed), the same subscribers read "
        "as many messages per stream from a bare grpc.aio server-streaming method "
        "(`benchmarks/echo_server.py`, TicketEvents of the live events' mean size, "
        f"{result.echo_bytes} B, built once): the ceiling of a Python gRPC stream on this "
        "machine. All phases check every stream against its station's last seq "
        "(GetStationBoard): seqs 1..last, none missing, duplicated or out of order. Latency is "
        "from the Start/Bump call to its STARTED/BUMPED event on the display (the event is "
        "published at the commit, just before the answer, so answer-to-event can be negative). "
        "The driver, the subscriber processes and the servers share the 2 cores; the server CPU "
        "column says how busy the server was.",
        "",
        "| phase | orders | API calls | errors | events delivered | events/s | streams ok "
        "| missing / duplicated / out of order | call to event p50 / p99 ms "
        "| answer to event p50 / p99 ms | server CPU s/s |",
        "|---|---:|---:|---|---:|---:|---|---|---|---|---:|",
        f"| live | {result.orders} | {result.calls} | {errors} | {result.live_events} "
        f"| {result.live_rate:.0f} | {'yes' if live.ok else 'NO'} ({live.events}/{live.expected}) "
        f"| {live.missing} / {live.duplicates} / {live.out_of_order} "
        f"| {percentile(result.from_call_ms, 50):.1f} / {percentile(result.from_call_ms, 99):.1f} "
        f"| {percentile(result.from_answer_ms, 50):.1f} / "
        f"{percentile(result.from_answer_ms, 99):.1f} | {result.server_cpu:.2f} |",
        f"| catch-up | | | | {catchup.events} | {catchup_rate:.0f} "
        f"| {'yes' if catchup.ok else 'NO'} ({catchup.events}/{catchup.expected}) "
        f"| {catchup.missing} / {catchup.duplicates} / {catchup.out_of_order} | | "
        f"| {result.catchup_cpu_s / result.catchup_s if result.catchup_s else 0:.2f} |",
        f"| bare grpc.aio stream | | | | {echo.events} | {echo_rate:.0f} "
        f"| {'yes' if echo.ok else 'NO'} ({echo.events}/{echo.expected}) "
        f"| {echo.missing} / {echo.duplicates} / {echo.out_of_order} | | "
        f"| {result.echo_cpu_s / result.echo_s if result.echo_s else 0:.2f} |",
        f"| catch-up, StreamTicketBatches | | | | {batched.events} | {batched_rate:.0f} "
        f"| {'yes' if batched.ok else 'NO'} ({batched.events}/{batched.expected}) "
        f"| {batched.missing} / {batched.duplicates} / {batched.out_of_order} | | "
        f"| {result.batched_cpu_s / result.batched_s if result.batched_s else 0:.2f} |",
        "",
        f"Catch-up reaches **{share:.0%} of the bare grpc.aio stream** (server CPU per message: "
        f"pyengine {catchup_us:.0f} us, bare grpc.aio {echo_us:.0f} us).",
        "",
        "The same catch-up by StreamTicketBatches (a third round alternating with the two "
        f"above, {CATCHUP_ROUNDS} rounds summed; {per_message:.1f} events a message): "
        f"**{batched_rate:,.0f} events/s to {result.streams} streams**, "
        f"{batched_rate / catchup_rate if catchup_rate else 0:.1f}x the one-event-a-message "
        f"stream and {batched_rate / echo_rate if echo_rate else 0:.1f}x the bare grpc.aio "
        f"stream's events; server CPU {batched_us:.1f} us an event.",
        "",
        f"Server CPU per delivered event: live {live_us:.0f} us (everything the server does per "
        f"event, the API calls that make the events included: {calls_per_event:.2f} calls an "
        f"event), catch-up {catchup_us:.0f} us (the stream path alone: feed page from SQLite, "
        "one gRPC message write per event). At that cost two whole cores would deliver "
        f"{2e6 / catchup_us if catchup_us else 0:,.0f} events/s from the stream path alone; "
        f"live, {2e6 / live_us if live_us else 0:,.0f}.",
        "",
        f"Start retries (ticket not yet on its display): {result.retries}. Issue 6 target: "
        ">= 20,000 ticket events/s fanned out to 1,000 open KDS streams.",
        "",
        *render_profile(result.profile),
    ]


def render_profile(profile: Any) -> list[str]:
    """The server's event-loop thread while displays catch up, busy samples only."""
    if profile is None or "MainThread" not in profile.buckets:
        return []
    counter = profile.buckets["MainThread"]
    busy = {k: v for k, v in counter.items() if not k.startswith("idle")}
    total = sum(busy.values()) or 1
    idle = sum(counter.values()) - sum(busy.values())
    lines = [
        "Where the stream path's time goes: the server sampled by py-spy (`--native`, "
        f"{profile.rate}/s for {profile.seconds:g} s) during further catch-up rounds, after the "
        "measured one (py-spy pauses the process to sample). Shares of the event-loop thread's "
        f"busy samples ({total} busy, {idle} idle in epoll); the event-log writer has nothing "
        "to do here.",
        "",
        "| where (event-loop thread) | share of busy |",
        "|---|---:|",
    ]
    for bucket, count in sorted(busy.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {bucket} | {count / total:.0%} |")
    lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    from benchmarks import bench_service

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=143, help="stores with displays (143)")
    parser.add_argument("--workers", type=int, default=32, help="orders driven at a time (32)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds driven (10)")
    parser.add_argument("--procs", type=int, default=2, help="subscriber processes (2)")
    parser.add_argument("--profile", type=float, default=0.0, help="py-spy seconds (0: none)")
    parser.add_argument("--profile-phase", choices=["live", "catchup"], default="catchup")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw output here")
    parser.add_argument("--durability", choices=["full", "normal"], default="full")
    args = parser.parse_args(argv)
    stations = sample_stations()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        shop_path = bench_service.bench_shop(args.stores, Path(tmp))
        result = run_fanout(
            shop_path,
            [f"bench-{i:04d}" for i in range(args.stores)],
            stations,
            Path(tmp),
            workers=args.workers,
            seconds=args.seconds,
            subscriber_procs=args.procs,
            durability=args.durability,
            profile_s=args.profile,
            profile_phase=args.profile_phase,
        )
        if args.raw and (Path(tmp) / "fanout-profile.raw").exists():
            shutil.copy(Path(tmp) / "fanout-profile.raw", args.raw)
    print("\n".join(render(result)))
    return 0 if result.live.ok and result.catchup.ok and result.batched.ok else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
