"""The servicers of pyengine.v1: each method hands the request bytes to the runtime and maps the
answer; the runtime and the core know nothing about gRPC.

Every store-bound method carries a `Route`: how to read its store from the request, looked at
only when the core refused the call, so that a call for a store of another worker
(`--workers N`) is answered with the owner's address instead of "unknown store"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc

from pyengine.runtime import Runtime
from pyengine.service.rpc import PeersUnavailableError, Route, server_stream, service, unary
from pyengine.sharding import Routing, store_of_order, store_of_ticket
from pyengine.v1 import kitchen_pb2, orders_pb2, promotions_pb2, routing_pb2, store_pb2

Context = grpc.aio.ServicerContext[Any, Any]
REPLAY_HEADER = "pyengine-idempotent-replay"

ORDER_SERVICE = orders_pb2.DESCRIPTOR.services_by_name["OrderService"].full_name
KITCHEN_SERVICE = kitchen_pb2.DESCRIPTOR.services_by_name["KitchenService"].full_name
STORE_SERVICE = store_pb2.DESCRIPTOR.services_by_name["StoreService"].full_name
PROMOTION_SERVICE = promotions_pb2.DESCRIPTOR.services_by_name["PromotionService"].full_name
ROUTING_SERVICE = routing_pb2.DESCRIPTOR.services_by_name["RoutingService"].full_name
SERVICE_NAMES = (ORDER_SERVICE, KITCHEN_SERVICE, STORE_SERVICE, PROMOTION_SERVICE, ROUTING_SERVICE)
# Set on a promotion change that one worker passes on to the others, so that they apply it
# without passing it on again.
FORWARDED_HEADER = "pyengine-forwarded"


def draft_store(request: bytes) -> str:
    """The store of a SubmitOrder, QuoteOrder or DryRun request: all three carry the OrderDraft
    as field 1, so one parse serves them."""
    return orders_pb2.SubmitOrderRequest.FromString(request).order.store_id


def order_store(request: bytes) -> str:
    """The store of a request keyed by `order_id` (field 1 of GetOrder, CancelOrder,
    UpdateTarget and WatchOrder requests)."""
    return store_of_order(orders_pb2.GetOrderRequest.FromString(request).order_id)


def ticket_store(request: bytes) -> str:
    return store_of_ticket(kitchen_pb2.TicketActionRequest.FromString(request).ticket_id)


def store_field(request: bytes) -> str:
    """The store of a request keyed by `store_id` as field 1 (StreamTickets, GetStationBoard,
    GetMenu, SetAvailability, SetStaffing, WatchLoad)."""
    return store_pb2.GetMenuRequest.FromString(request).store_id


def order_service(runtime: Runtime, routing: Routing) -> grpc.GenericRpcHandler:
    engine = runtime.engine
    by_draft, by_order = Route(draft_store, routing), Route(order_store, routing)

    async def quote(request: bytes, context: Context) -> bytes:
        return engine.quote_order(request, runtime.clock())

    async def submit(request: bytes, context: Context) -> bytes:
        outcome = await runtime.submit(request)
        if outcome.replayed:
            # The body is the first answer byte for byte; the trailer tells a curious client.
            context.set_trailing_metadata(((REPLAY_HEADER, "true"),))
        return runtime.answer(outcome)

    async def get(request: bytes, context: Context) -> bytes:
        return engine.get_order(request, runtime.clock())

    async def cancel(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.cancel_order, request)).response

    async def update_target(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.update_target, request)).response

    def watch(request: bytes, context: Context) -> AsyncIterator[bytes]:
        return runtime.watch_order(request)

    return service(
        ORDER_SERVICE,
        {
            "QuoteOrder": unary(quote, by_draft),
            "SubmitOrder": unary(submit, by_draft),
            "GetOrder": unary(get, by_order),
            "CancelOrder": unary(cancel, by_order),
            "UpdateTarget": unary(update_target, by_order),
            "WatchOrder": server_stream(watch, by_order),
        },
    )


def kitchen_service(runtime: Runtime, routing: Routing) -> grpc.GenericRpcHandler:
    engine = runtime.engine
    by_store, by_ticket = Route(store_field, routing), Route(ticket_store, routing)

    async def start(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.start_ticket, request)).response

    async def bump(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.bump_ticket, request)).response

    async def recall(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.recall_ticket, request)).response

    async def board(request: bytes, context: Context) -> bytes:
        return engine.get_station_board(request, runtime.clock())

    def stream(request: bytes, context: Context) -> AsyncIterator[bytes]:
        return runtime.stream_tickets(request)

    def stream_batches(request: bytes, context: Context) -> AsyncIterator[bytes]:
        return runtime.stream_ticket_batches(request)

    return service(
        KITCHEN_SERVICE,
        {
            "StreamTickets": server_stream(stream, by_store),
            "StreamTicketBatches": server_stream(stream_batches, by_store),
            "Start": unary(start, by_ticket),
            "Bump": unary(bump, by_ticket),
            "Recall": unary(recall, by_ticket),
            "GetStationBoard": unary(board, by_store),
        },
    )


def store_service(runtime: Runtime, routing: Routing) -> grpc.GenericRpcHandler:
    engine = runtime.engine
    by_store = Route(store_field, routing)

    async def menu(request: bytes, context: Context) -> bytes:
        return engine.get_menu(request)

    async def availability(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.set_availability, request)).response

    async def staffing(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.set_staffing, request)).response

    def watch_load(request: bytes, context: Context) -> AsyncIterator[bytes]:
        return runtime.watch_load(request)

    return service(
        STORE_SERVICE,
        {
            "GetMenu": unary(menu, by_store),
            "SetAvailability": unary(availability, by_store),
            "SetStaffing": unary(staffing, by_store),
            "WatchLoad": server_stream(watch_load, by_store),
        },
    )


def promotion_service(runtime: Runtime, peers: Peers) -> grpc.GenericRpcHandler:
    """Promotions are the chain's, not a store's: every worker keeps them in its own log, so a
    change is applied here and then passed on to every other worker (see `Peers.forward`)."""
    engine = runtime.engine
    by_draft = Route(draft_store, peers.routing)

    async def list_promotions(request: bytes, context: Context) -> bytes:
        return engine.list_promotions(request)

    async def put(request: bytes, context: Context) -> bytes:
        response = (await runtime.call(engine.put_promotion, request)).response
        await peers.forward(PUT_PROMOTION, request, context)
        return response

    async def enable(request: bytes, context: Context) -> bytes:
        response = (await runtime.call(engine.set_promotion_enabled, request)).response
        await peers.forward(SET_PROMOTION_ENABLED, request, context)
        return response

    async def dry_run(request: bytes, context: Context) -> bytes:
        return engine.dry_run(request, runtime.clock())

    return service(
        PROMOTION_SERVICE,
        {
            "ListPromotions": unary(list_promotions),
            "PutPromotion": unary(put),
            "SetPromotionEnabled": unary(enable),
            "DryRun": unary(dry_run, by_draft),
        },
    )


PUT_PROMOTION = f"/{PROMOTION_SERVICE}/PutPromotion"
SET_PROMOTION_ENABLED = f"/{PROMOTION_SERVICE}/SetPromotionEnabled"


class Peers:
    """Channels to the other workers, for the chain-wide changes (promotions) every worker must
    apply. Opened on first use; closed with the server."""

    def __init__(self, routing: Routing) -> None:
        self.routing = routing
        self._channels: dict[str, grpc.aio.Channel] = {}

    async def forward(self, method: str, request: bytes, context: Context) -> None:
        """Passes an applied change on to every other worker (not when it was itself passed on).
        Puts and switches are idempotent, so a caller told that a worker missed it re-sends the
        same call and every worker ends up with the same promotions."""
        if any(key == FORWARDED_HEADER for key, _ in context.invocation_metadata() or ()):
            return
        peers = self.routing.peers()
        if not peers:
            return
        results = await asyncio.gather(
            *(self._call(address, method, request) for address in peers), return_exceptions=True
        )
        missed = [
            f"{address} ({_reason(result)})"
            for address, result in zip(peers, results, strict=True)
            if isinstance(result, BaseException)
        ]
        if missed:
            raise PeersUnavailableError(
                "applied by this worker but not yet by " + ", ".join(missed) + "; send it again"
            )

    async def _call(self, address: str, method: str, request: bytes) -> bytes:
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address)
        call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(method)
        answer: bytes = await call(request, timeout=10, metadata=((FORWARDED_HEADER, "1"),))
        return answer

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


def _reason(exc: BaseException) -> str:
    return exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else repr(exc)


def routing_service(routing: Routing) -> grpc.GenericRpcHandler:
    answer = routing_pb2.Routing(
        workers=list(routing.addresses),
        stores=[
            routing_pb2.StoreRoute(store_id=store, worker=index)
            for store, index in sorted(routing.owner.items())
        ],
        this_worker=routing.this_worker,
    ).SerializeToString()

    async def get_routing(request: bytes, context: Context) -> bytes:
        return answer

    return service(ROUTING_SERVICE, {"GetRouting": unary(get_routing)})
