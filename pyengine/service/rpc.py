"""Plumbing shared by the servicers: bytes-in/bytes-out handlers and the error boundary.

The handlers are registered without (de)serializers: the request bytes go straight to the Rust core
and its answer bytes straight back to the transport, so Python never decodes protobuf on the hot
path. Each handler is wrapped once here so that every failure becomes a proper status.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import grpc
from google.protobuf.message import DecodeError
from google.rpc import code_pb2

from pyengine.eventlog import LogFailedError
from pyengine.exceptions import EngineError
from pyengine.runtime import EngineFailedError, ServerStoppingError, is_panic
from pyengine.service.errors import engine_error_status, redirect_status, simple_status
from pyengine.sharding import Routing

log = logging.getLogger(__name__)

Unary = Callable[[bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[bytes]]
Stream = Callable[[bytes, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[bytes]]
# The store a request is about, read from its bytes (only on the error path: see `_redirect`).
StoreOf = Callable[[bytes], str]


class PeersUnavailableError(Exception):
    """A promotion change applied by this worker could not be passed on to every other worker."""


@dataclass(frozen=True, slots=True)
class Route:
    """How a method finds its store, and the workers' table to look its owner up in."""

    store_of: StoreOf
    routing: Routing


def _redirect(route: Route | None, request: bytes, exc: BaseException) -> grpc.Status | None:
    """The refusal of a call that reached a worker which does not own its store, naming the
    owner's address; None when the store is this worker's (or unknown: the core's error stands).

    Only looked at after the core refused the call: a worker's core knows only its own stores,
    so a call for another store always fails validation there, before anything changes. The hot
    path never decodes a request in Python."""
    if route is None or not isinstance(exc, EngineError):
        return None
    try:
        store_id = route.store_of(request)
    except DecodeError:
        return None
    owner = route.routing.foreign_owner(store_id)
    return None if owner is None else redirect_status(store_id, owner)


def _status_for(exc: BaseException) -> grpc.Status:
    if isinstance(exc, EngineError):
        return engine_error_status(exc)
    if isinstance(exc, DecodeError):
        return simple_status(code_pb2.INVALID_ARGUMENT, f"malformed request: {exc}")
    if isinstance(exc, ServerStoppingError):
        return simple_status(
            code_pb2.UNAVAILABLE, "server is shutting down; reconnect (streams: resume from seq)"
        )
    if isinstance(exc, PeersUnavailableError):
        return simple_status(code_pb2.UNAVAILABLE, str(exc))
    if isinstance(exc, LogFailedError | EngineFailedError):
        return simple_status(code_pb2.UNAVAILABLE, "event log unavailable; the server restarts")
    log.exception("unexpected error in a handler")
    return simple_status(code_pb2.INTERNAL, "internal error")


def unary(fn: Unary, route: Route | None = None) -> grpc.RpcMethodHandler[bytes, bytes]:
    async def handle(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        try:
            return await fn(request, context)
        except grpc.aio.AbortError:
            raise
        except BaseException as exc:
            if not (isinstance(exc, Exception) or is_panic(exc)):
                raise  # cancellation, interpreter exit
            await context.abort_with_status(_redirect(route, request, exc) or _status_for(exc))
            raise AssertionError("abort_with_status returned") from exc

    return grpc.unary_unary_rpc_method_handler(handle)


def server_stream(fn: Stream, route: Route | None = None) -> grpc.RpcMethodHandler[bytes, bytes]:
    async def handle(
        request: bytes, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[bytes]:
        try:
            async for message in fn(request, context):
                yield message
        except grpc.aio.AbortError:
            raise
        except BaseException as exc:
            if not (isinstance(exc, Exception) or is_panic(exc)):
                raise
            await context.abort_with_status(_redirect(route, request, exc) or _status_for(exc))

    return grpc.unary_stream_rpc_method_handler(handle)


Handler: TypeAlias = "grpc.RpcMethodHandler[bytes, bytes]"  # generic only in the type stubs


def service(name: str, methods: dict[str, Handler]) -> grpc.GenericRpcHandler:
    handler: grpc.GenericRpcHandler = grpc.method_handlers_generic_handler(name, methods)
    return handler
