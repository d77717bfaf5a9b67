"""The peak-rush load test of `pyengine serve` over gRPC (run it with `make loadtest`).

Channel users submit realistic 1-3 drink orders to both stores of the shop, each kind at its
share of a tea shop's orders (pyengine.rush.CHANNEL_MIX) and in its own rhythm: delivery
platforms call their webhooks in bursts (and now and then retry one, which must be answered as an
idempotent replay, byte for byte); the mini-program, kiosks and the counter send one order at a
time. KDS users, one per station of every store, follow their station's StreamTickets and start
and bump its tickets at a kitchen's pace, which is what moves orders through the stations and
lets the shop's load ladder rise and fall.

Reported names: "SubmitOrder" (accepted), "SubmitOrder shed" (refused by the shop's automatic
actions: not a failure), "SubmitOrder replay", "Start", "Bump", "GetStationBoard", and
"ticket event" (stream), whose time is from the event in the engine to its arrival here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import gevent  # type: ignore[import-untyped]
import grpc
from locust import between, task

from loadtests import shape
from loadtests.grpc_user import GrpcUser, ShedError
from loadtests.orders import Menu
from pyengine import shop
from pyengine.v1 import common_pb2, kitchen_pb2, orders_pb2

REPLAY_HEADER = "pyengine-idempotent-replay"
ADDED, RECALLED = kitchen_pb2.TICKET_EVENT_KIND_ADDED, kitchen_pb2.TICKET_EVENT_KIND_RECALLED
SHOP = Path(os.environ["LOADTEST_SHOP"]) if os.environ.get("LOADTEST_SHOP") else None
MENU = Menu.load(SHOP)


PROFILE = shape.Profile.from_env(0)
# Stores with a kitchen display user on every station (default: all of them).
KDS_STORES = int(os.environ.get("LOADTEST_KDS_STORES", "0")) or len(MENU.stores)
# Accepted order ids are appended here (one a line) when set, for the lost-order check.
ACK_FILE = os.environ.get("LOADTEST_ACK_FILE")


def _stations() -> list[tuple[str, str]]:
    data = shop.read(SHOP)
    return [(store, s["name"]) for store in MENU.stores[:KDS_STORES] for s in data["stations"]]


STATIONS = _stations()
_next_station: Iterator[int] = itertools.count()
_acks = open(ACK_FILE, "a", buffering=1) if ACK_FILE else None  # noqa: SIM115 (process-long)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class OrderingUser(GrpcUser):
    abstract = True
    channels: tuple[int, ...] = ()
    rhythm = between(1.0, 4.0)

    def on_start(self) -> None:
        super().on_start()
        self.rng = random.Random()
        self.due = time.monotonic()

    def wait_time(self) -> float:
        """Rate mode: paced to `LOADTEST_USER_RATE` orders a second (a burst of n orders waits
        n times as long); otherwise the class's human rhythm."""
        if PROFILE.mode == "rate":
            now = time.monotonic()
            self.due = max(self.due, now - 1.0)  # a user that fell behind does not race
            return max(0.0, self.due - now)
        return self.rhythm()

    def paced(self, orders: int) -> None:
        self.due += orders / PROFILE.user_rate

    def draft(self) -> orders_pb2.OrderDraft:
        return MENU.draft(self.rng, self.rng.choice(self.channels), now_ms())

    def submit(self, draft: orders_pb2.OrderDraft) -> orders_pb2.SubmitOrderResponse | None:
        """The answer, or None when the shop shed the order."""
        request = orders_pb2.SubmitOrderRequest(order=draft)
        try:
            response: orders_pb2.SubmitOrderResponse
            response, _ = self.rpc(
                "SubmitOrder", self.orders(draft.store_id).SubmitOrder.with_call, request, True
            )
        except ShedError:
            return None
        except grpc.RpcError:
            return None  # reported as a failure
        if _acks is not None:
            _acks.write(f"{time.time():.3f} {response.order_id}\n")
        return response


class DeliveryWebhookUser(OrderingUser):
    """Meituan and Ele.me: a webhook burst of 1-4 orders at once, then a pause; one in twenty
    bursts retries an order it already delivered, as platforms do after a timeout."""

    weight = 45
    channels = (common_pb2.CHANNEL_MEITUAN, common_pb2.CHANNEL_ELEME)
    rhythm = between(2.0, 6.0)

    @task
    def burst(self) -> None:
        drafts = [self.draft() for _ in range(self.rng.randint(1, 4))]
        self.paced(len(drafts))
        calls = [gevent.spawn(self.submit, d) for d in drafts]
        gevent.joinall(calls)
        answers = [(d, c.value) for d, c in zip(drafts, calls, strict=True) if c.value]
        if answers and self.rng.random() < 0.05:
            self.retry(*answers[0])

    def retry(self, draft: orders_pb2.OrderDraft, first: orders_pb2.SubmitOrderResponse) -> None:
        started = time.perf_counter()
        request = orders_pb2.SubmitOrderRequest(order=draft)
        try:
            response, call = self.orders(draft.store_id).SubmitOrder.with_call(request, timeout=10)
        except grpc.RpcError as exc:
            self.report("grpc", "SubmitOrder replay", started, exception=exc)
            return
        trailers = dict(call.trailing_metadata() or ())
        problem = None
        if trailers.get(REPLAY_HEADER) != "true":
            problem = AssertionError("a retried order was not answered as a replay")
        elif response.SerializeToString() != first.SerializeToString():
            problem = AssertionError("a replay's answer differs from the first answer")
        self.report("grpc", "SubmitOrder replay", started, response.ByteSize(), problem)


class MiniProgramUser(OrderingUser):
    """The brand's mini-program and table QR codes: one order at a time."""

    weight = 28
    channels = (common_pb2.CHANNEL_MINI_PROGRAM, common_pb2.CHANNEL_TABLE_QR)
    rhythm = between(1.0, 4.0)

    @task
    def order(self) -> None:
        self.paced(1)
        self.submit(self.draft())


class KioskUser(OrderingUser):
    weight = 12
    channels = (common_pb2.CHANNEL_KIOSK,)
    rhythm = between(1.0, 4.0)

    @task
    def order(self) -> None:
        self.paced(1)
        self.submit(self.draft())


class CounterUser(OrderingUser):
    weight = 15
    channels = (common_pb2.CHANNEL_COUNTER,)
    rhythm = between(1.0, 3.0)

    @task
    def order(self) -> None:
        self.paced(1)
        self.submit(self.draft())


class KdsUser(GrpcUser):
    """One station's kitchen display: follows StreamTickets from the board's last seq, and
    at a kitchen's pace starts the oldest queued ticket while a slot is free, else bumps the
    oldest started one."""

    fixed_count = len(STATIONS)
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        super().on_start()
        self.store, self.station = STATIONS[next(_next_station) % len(STATIONS)]
        board, _ = self.rpc(
            "GetStationBoard",
            self.kitchen(self.store).GetStationBoard.with_call,
            kitchen_pb2.GetStationBoardRequest(store_id=self.store, station=self.station),
        )
        self.slots = max(1, board.slots)
        # ticket id -> state, oldest first (dicts keep insertion order)
        self.tickets: dict[str, int] = {t.ticket_id: t.state for t in board.queue}
        request = kitchen_pb2.StreamTicketsRequest(
            store_id=self.store, station=self.station, after_seq=board.last_seq
        )
        self.stream = self.kitchen(self.store).StreamTickets(request)
        self.reader = gevent.spawn(self.follow)

    def on_stop(self) -> None:
        self.stream.cancel()
        self.reader.join(timeout=5)
        super().on_stop()

    def follow(self) -> None:
        try:
            for event in self.stream:
                started = time.perf_counter()
                lag_ms = max(0.0, float(now_ms() - event.at_ms))
                self.report("stream", "ticket event", started, event.ByteSize(), None, lag_ms)
                ticket = event.ticket
                if event.kind in (ADDED, RECALLED):
                    self.tickets[ticket.ticket_id] = common_pb2.TICKET_STATE_QUEUED
                elif event.kind == kitchen_pb2.TICKET_EVENT_KIND_STARTED:
                    self.tickets[ticket.ticket_id] = common_pb2.TICKET_STATE_STARTED
                else:
                    self.tickets.pop(ticket.ticket_id, None)
        except grpc.RpcError as exc:
            if isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.CANCELLED:
                return  # on_stop
            self.report("stream", "StreamTickets", time.perf_counter(), exception=exc)

    @task
    def work(self) -> None:
        started = [t for t, s in self.tickets.items() if s == common_pb2.TICKET_STATE_STARTED]
        queued = [t for t, s in self.tickets.items() if s == common_pb2.TICKET_STATE_QUEUED]
        request = kitchen_pb2.TicketActionRequest()
        if queued and len(started) < self.slots:
            request.ticket_id = queued[0]
            self.tickets[queued[0]] = common_pb2.TICKET_STATE_STARTED
            self.act("Start", request)
        elif started:
            request.ticket_id = started[0]
            self.tickets.pop(started[0], None)
            self.act("Bump", request)

    def act(self, name: str, request: kitchen_pb2.TicketActionRequest) -> None:
        method = getattr(self.kitchen(self.store), name).with_call
        with contextlib.suppress(grpc.RpcError):  # reported as a failure
            self.rpc(name, method, request)


class Shape(shape.PeakRushShape):
    fixed_users = KdsUser.fixed_count
