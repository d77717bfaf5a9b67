"""A locust User that speaks gRPC and reports every call to locust's statistics.

locust runs users as gevent greenlets; `init_gevent` makes grpcio's blocking calls yield to the
other greenlets instead of blocking the process (it must run before the first channel exists).

A SubmitOrder refused with FAILED_PRECONDITION is the shop shedding load by itself (fast mode
hiding slow items, delivery channels paused; pacing holds orders but never refuses them:
docs/scheduler.md) and is reported as a success under its own name, "SubmitOrder shed", so shed
orders are counted beside accepted ones and never as failures. Every other error is a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import gevent  # type: ignore[import-untyped]
import grpc
import grpc.experimental.gevent as grpc_gevent
from google.protobuf.message import Message
from locust import User

from pyengine.routes import StoreRoutes
from pyengine.v1 import kitchen_pb2_grpc, orders_pb2_grpc

grpc_gevent.init_gevent()
# Under gevent, every blocking gRPC wait (an open stream's next message, an unanswered call)
# holds a thread of the hub's pool, whose default of 10 threads would stall every user once ten
# KDS streams are open: room for every stream and in-flight call of a big run.
gevent.get_hub().threadpool.maxsize = 1000

SHED = "shed"
RPC_TIMEOUT_S = 10.0
R = TypeVar("R", bound=Message)


class ShedError(Exception):
    """The shop refused the call to shed load (FAILED_PRECONDITION); not a failure."""


class GrpcUser(User):
    abstract = True
    # Codes that mean "refused by the shop's automatic actions" for the calls that may be shed.
    shed_codes: ClassVar[frozenset[grpc.StatusCode]] = frozenset()

    def on_start(self) -> None:
        assert self.host, "run locust with --host HOST:PORT"
        # Each store's calls go to its worker when the server runs several (`--workers N`).
        self.routes = StoreRoutes.fetch(self.host)
        self.connections: dict[str, grpc.Channel] = {}

    def on_stop(self) -> None:
        for channel in self.connections.values():
            channel.close()

    def _channel(self, store_id: str) -> grpc.Channel:
        address = self.routes.of_store(store_id)
        if address not in self.connections:
            self.connections[address] = grpc.insecure_channel(address)
        return self.connections[address]

    def orders(self, store_id: str) -> orders_pb2_grpc.OrderServiceStub:
        return orders_pb2_grpc.OrderServiceStub(self._channel(store_id))  # type: ignore[no-untyped-call]

    def kitchen(self, store_id: str) -> kitchen_pb2_grpc.KitchenServiceStub:
        return kitchen_pb2_grpc.KitchenServiceStub(self._channel(store_id))  # type: ignore[no-untyped-call]

    def rpc(
        self,
        name: str,
        method: Callable[..., tuple[R, grpc.Call]],
        request: Message,
        may_shed: bool = False,
    ) -> tuple[R, grpc.Call]:
        """Calls `method.with_call(request)` and reports it; raises ShedError for a shed call
        (reported as "<name> shed") and grpc.RpcError for a failure (reported as failed)."""
        started = time.perf_counter()
        # A call cut off by locust stopping its user (GreenletExit in the decay or at the end) is
        # reported as nothing: it neither succeeded nor failed as far as this user knows (the
        # server may still have admitted it, which is why the lost-order check counts ids).
        try:
            response, call = method(request, timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else None
            if may_shed and code == grpc.StatusCode.FAILED_PRECONDITION:
                self.report("grpc", f"{name} {SHED}", started)
                raise ShedError(str(exc)) from None
            self.report("grpc", name, started, exception=exc)
            raise
        self.report("grpc", name, started, response.ByteSize())
        return response, call

    def report(
        self,
        kind: str,
        name: str,
        started: float,
        length: int = 0,
        exception: BaseException | None = None,
        elapsed_ms: float | None = None,
    ) -> None:
        if elapsed_ms is None:
            elapsed_ms = (time.perf_counter() - started) * 1000
        context: dict[str, Any] = {}
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=elapsed_ms,
            response_length=length,
            exception=exception,
            context=context,
        )
