"""Client side of `pyengine serve --workers N`: which address serves a store.

Any worker (or a one-process server) answers RoutingService.GetRouting with every worker's
address and every store's worker; a client asks once, then sends each call to its store's owner.
A call that reaches another worker anyway (a stale table, a hand-typed address) is refused with
FAILED_PRECONDITION before anything changes, the owner's address in the trailer
`pyengine-store-address`: `redirect_address` reads it, and the caller re-sends the call there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from pyengine.sharding import store_of_order, store_of_ticket
from pyengine.v1 import routing_pb2

STORE_ADDRESS_HEADER = "pyengine-store-address"
GET_ROUTING = "/pyengine.v1.RoutingService/GetRouting"


@dataclass(frozen=True, slots=True)
class StoreRoutes:
    """The workers' addresses and each store's worker, as a server told them."""

    addresses: tuple[str, ...]
    owner: dict[str, int]

    @classmethod
    def single(cls, target: str) -> StoreRoutes:
        """Everything at one address (a server that predates RoutingService)."""
        return cls((target,), {})

    @classmethod
    def parse(cls, answer: bytes, target: str) -> StoreRoutes:
        routing = routing_pb2.Routing.FromString(answer)
        if not routing.workers:
            return cls.single(target)
        addresses = tuple(reachable(address, target) for address in routing.workers)
        return cls(addresses, {r.store_id: r.worker for r in routing.stores})

    @classmethod
    def fetch(cls, target: str, timeout_s: float = 10.0) -> StoreRoutes:
        """Asks the server at `target` (blocking)."""
        with grpc.insecure_channel(target) as channel:
            call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(GET_ROUTING)
            try:
                answer = call(b"", timeout=timeout_s)
            except grpc.RpcError as err:
                if _code(err) == grpc.StatusCode.UNIMPLEMENTED:
                    return cls.single(target)
                raise
        return cls.parse(answer, target)

    @classmethod
    async def fetch_async(cls, target: str, timeout_s: float = 10.0) -> StoreRoutes:
        """Asks the server at `target` (grpc.aio)."""
        async with grpc.aio.insecure_channel(target) as channel:
            call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(GET_ROUTING)
            try:
                answer = await call(b"", timeout=timeout_s)
            except grpc.aio.AioRpcError as err:
                if err.code() == grpc.StatusCode.UNIMPLEMENTED:
                    return cls.single(target)
                raise
        return cls.parse(answer, target)

    def of_store(self, store_id: str) -> str:
        """The address serving `store_id` (the first worker's for a store it does not know:
        that worker's answer then says what is wrong with the store)."""
        return self.addresses[self.owner.get(store_id, 0)]

    def of_order(self, order_id: str) -> str:
        return self.of_store(store_of_order(order_id))

    def of_ticket(self, ticket_id: str) -> str:
        return self.of_store(store_of_ticket(ticket_id))


# A server listening on every interface knows no better name for itself than these; a client
# reaches its workers by the host it reached the server by.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})


def reachable(address: str, via: str) -> str:
    """`address` (a worker's HOST:PORT as the server knows it) as a client that reached the
    server at `via` can reach it: a wildcard host becomes `via`'s host."""
    host, _, port = address.rpartition(":")
    if host not in WILDCARD_HOSTS:
        return address
    return f"{via.rpartition(':')[0]}:{port}"


def redirect_address(err: grpc.RpcError, via: str = "") -> str | None:
    """The owner's address when a call was refused because it reached the wrong worker (as
    reachable by a client that called `via`)."""
    if _code(err) != grpc.StatusCode.FAILED_PRECONDITION:
        return None
    trailing: Any = err.trailing_metadata() if isinstance(err, grpc.Call) else None
    for key, value in trailing or ():
        if key == STORE_ADDRESS_HEADER:
            address = str(value, "utf-8") if isinstance(value, bytes) else str(value)
            return reachable(address, via) if via else address
    return None


def _code(err: grpc.RpcError) -> grpc.StatusCode:
    code = err.code() if isinstance(err, grpc.Call) else None
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
