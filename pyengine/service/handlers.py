"""The servicers of pyengine.v1: each method hands the request bytes to the runtime and maps the
answer; the runtime and the core know nothing about gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from pyengine.runtime import Runtime
from pyengine.service.rpc import server_stream, service, unary
from pyengine.v1 import kitchen_pb2, orders_pb2, promotions_pb2, store_pb2

Context = grpc.aio.ServicerContext[Any, Any]
REPLAY_HEADER = "pyengine-idempotent-replay"

ORDER_SERVICE = orders_pb2.DESCRIPTOR.services_by_name["OrderService"].full_name
KITCHEN_SERVICE = kitchen_pb2.DESCRIPTOR.services_by_name["KitchenService"].full_name
STORE_SERVICE = store_pb2.DESCRIPTOR.services_by_name["StoreService"].full_name
PROMOTION_SERVICE = promotions_pb2.DESCRIPTOR.services_by_name["PromotionService"].full_name
SERVICE_NAMES = (ORDER_SERVICE, KITCHEN_SERVICE, STORE_SERVICE, PROMOTION_SERVICE)


def order_service(runtime: Runtime) -> grpc.GenericRpcHandler:
    engine = runtime.engine

    async def quote(request: bytes, context: Context) -> bytes:
        return engine.quote_order(request, runtime.clock())

    async def submit(request: bytes, context: Context) -> bytes:
        outcome = await runtime.call(engine.submit_order, request)
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
            "QuoteOrder": unary(quote),
            "SubmitOrder": unary(submit),
            "GetOrder": unary(get),
            "CancelOrder": unary(cancel),
            "UpdateTarget": unary(update_target),
            "WatchOrder": server_stream(watch),
        },
    )


def kitchen_service(runtime: Runtime) -> grpc.GenericRpcHandler:
    engine = runtime.engine

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

    return service(
        KITCHEN_SERVICE,
        {
            "StreamTickets": server_stream(stream),
            "Start": unary(start),
            "Bump": unary(bump),
            "Recall": unary(recall),
            "GetStationBoard": unary(board),
        },
    )


def store_service(runtime: Runtime) -> grpc.GenericRpcHandler:
    engine = runtime.engine

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
            "GetMenu": unary(menu),
            "SetAvailability": unary(availability),
            "SetStaffing": unary(staffing),
            "WatchLoad": server_stream(watch_load),
        },
    )


def promotion_service(runtime: Runtime) -> grpc.GenericRpcHandler:
    engine = runtime.engine

    async def list_promotions(request: bytes, context: Context) -> bytes:
        return engine.list_promotions(request)

    async def put(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.put_promotion, request)).response

    async def enable(request: bytes, context: Context) -> bytes:
        return (await runtime.call(engine.set_promotion_enabled, request)).response

    async def dry_run(request: bytes, context: Context) -> bytes:
        return engine.dry_run(request, runtime.clock())

    return service(
        PROMOTION_SERVICE,
        {
            "ListPromotions": unary(list_promotions),
            "PutPromotion": unary(put),
            "SetPromotionEnabled": unary(enable),
            "DryRun": unary(dry_run),
        },
    )
