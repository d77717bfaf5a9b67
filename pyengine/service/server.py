"""The gRPC server: pyengine.v1 services plus the standard health and reflection services.

Shutdown is graceful: health turns NOT_SERVING first (so balancers stop sending), streams end with
UNAVAILABLE (so displays reconnect and resume from their last seq), in-flight calls get a grace
period, and the event log commits what is queued before the data folder is released.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pyengine import shop
from pyengine.eventlog import Durability
from pyengine.runtime import DEFAULT_ORDER_RETENTION_S, DEFAULT_SNAPSHOT_EVERY, Runtime
from pyengine.service.handlers import (
    SERVICE_NAMES,
    kitchen_service,
    order_service,
    promotion_service,
    store_service,
)
from pyengine.storage import StorageConfig

log = logging.getLogger(__name__)

# The transport refuses larger messages with RESOURCE_EXHAUSTED before they reach us; below this,
# the core's own limits (lines per order, note lengths) refuse oversized orders naming the field.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# Logged after a clean stop, followed by "<lsn> state <sha256 hex>" (read by the crash tests).
STOPPED_AT_PREFIX = "stopped at lsn "


@dataclass(frozen=True, slots=True)
class ServeConfig:
    listen: str = "127.0.0.1:50051"
    data_dir: Path = Path("var")
    shop: Path | None = None
    # None: the sample shop's promotions when the shop is the sample shop, else none.
    promotions: Path | None = None
    durability: Durability = "full"
    grace_s: float = 5.0
    time_scale: float = 1.0
    # Where the event log lives and how it commits; None: SQLite in data_dir with `durability`.
    storage: StorageConfig | None = None
    # A snapshot of the core every this many records (0: never); restart replays only the tail.
    snapshot_every: int = DEFAULT_SNAPSHOT_EVERY
    # How long a finished order stays in the core's memory (None: for ever).
    order_retention_s: float | None = DEFAULT_ORDER_RETENTION_S


@dataclass(frozen=True, slots=True)
class Started:
    address: str
    replayed: int
    stores: list[str]
    log: str = ""


async def serve(
    config: ServeConfig,
    stop: asyncio.Event,
    on_ready: Callable[[Started], None] | None = None,
) -> str:
    """Runs the server until `stop` is set, or until the engine fails; returns the reason of
    such a failure ("" after a requested stop). After a failure the process must exit and be
    restarted: the log is the truth, the memory is not."""
    runtime = Runtime.open(
        config.data_dir,
        config.shop,
        config.durability,
        config.time_scale,
        config.storage,
        config.snapshot_every,
        config.order_retention_s,
    )
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # Without this a second server could bind the same port and split the traffic.
            ("grpc.so_reuseport", 0),
        ]
    )
    server.add_generic_rpc_handlers(
        (
            order_service(runtime),
            kitchen_service(runtime),
            store_service(runtime),
            promotion_service(runtime),
        )
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        port = server.add_insecure_port(config.listen)
    except RuntimeError as exc:
        await runtime.close()
        raise OSError(f"cannot listen on {config.listen}: {exc}") from None
    host = config.listen.rsplit(":", 1)[0]
    runtime.start()
    if config.promotions is not None or config.shop is None:
        await runtime.seed_promotions(shop.load_promotions(config.promotions))
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if on_ready is not None:
        on_ready(
            Started(
                f"{host}:{port}",
                runtime.engine.last_lsn,
                runtime.engine.store_ids(),
                runtime.log.describe(),
            )
        )
    try:
        stopped = asyncio.create_task(stop.wait())
        failed = asyncio.create_task(runtime.fatal.wait())
        await asyncio.wait((stopped, failed), return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        failed.cancel()
        return runtime.fatal_reason
    finally:
        log.info("shutting down")
        await health_servicer.enter_graceful_shutdown()
        await runtime.end_streams()
        await server.stop(config.grace_s)
        await runtime.close()
        if not runtime.fatal.is_set():
            # The live state after a clean stop: a clean replay of the log must give the same hash.
            log.info(
                "%s%d state %s",
                STOPPED_AT_PREFIX,
                runtime.engine.last_lsn,
                runtime.engine.state_hash(),
            )
