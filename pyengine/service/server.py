"""The gRPC server: pyengine.v1 services plus the standard health and reflection services.

Shutdown is graceful: health turns NOT_SERVING first (so balancers stop sending), streams end with
UNAVAILABLE (so displays reconnect and resume from their last seq), in-flight calls get a grace
period, and the event log commits what is queued before the data folder is released.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
    Peers,
    kitchen_service,
    order_service,
    promotion_service,
    routing_service,
    store_service,
)
from pyengine.sharding import Routing, ShardPlan, shard_dir
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
    # `--workers N` (N > 1): the stores of every worker, and which worker this process is; it
    # serves only its stores, from its own folder under data_dir. None: one process, every store.
    shard: ShardPlan | None = None
    worker_index: int = 0


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
    on_bound: Callable[[str], Awaitable[list[str]]] | None = None,
) -> str:
    """Runs the server until `stop` is set, or until the engine fails; returns the reason of
    such a failure ("" after a requested stop). After a failure the process must exit and be
    restarted: the log is the truth, the memory is not.

    A worker of `--workers N` gets `on_bound`: called with this worker's address once its port
    is bound, it returns every worker's address (from the parent), before anything is served."""
    plan = config.shard
    data_dir = config.data_dir
    if plan is not None:
        data_dir = shard_dir(config.data_dir, config.worker_index, plan.workers)
    runtime = Runtime.open(
        data_dir,
        config.shop,
        config.durability,
        config.time_scale,
        config.storage,
        config.snapshot_every,
        config.order_retention_s,
        None if plan is None else plan.stores_of(config.worker_index),
    )
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # Without this a second server could bind the same port and split the traffic.
            ("grpc.so_reuseport", 0),
        ]
    )
    try:
        port = server.add_insecure_port(config.listen)
    except RuntimeError as exc:
        await runtime.close()
        raise OSError(f"cannot listen on {config.listen}: {exc}") from None
    host = config.listen.rsplit(":", 1)[0]
    address = f"{host}:{port}"
    if on_bound is None:
        routing = Routing((address,), dict.fromkeys(runtime.engine.store_ids(), 0))
    else:
        assert plan is not None
        try:
            addresses = await on_bound(address)
        except BaseException:
            await runtime.close()
            raise
        routing = Routing(tuple(addresses), plan.owner, config.worker_index)
    peers = Peers(routing)
    server.add_generic_rpc_handlers(
        (
            order_service(runtime, routing),
            kitchen_service(runtime, routing),
            store_service(runtime, routing),
            promotion_service(runtime, peers),
            routing_service(routing),
        )
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    runtime.start()
    # What the log held at start-up, before this start seeds any promotion into it.
    replayed = runtime.engine.last_lsn
    if config.promotions is not None or config.shop is None:
        await runtime.seed_promotions(shop.load_promotions(config.promotions))
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if on_ready is not None:
        on_ready(
            Started(
                address,
                replayed,
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
        await peers.close()
        await runtime.close()
        if not runtime.fatal.is_set():
            # The live state after a clean stop: a clean replay of the log must give the same hash.
            log.info(
                "%s%d state %s",
                STOPPED_AT_PREFIX,
                runtime.engine.last_lsn,
                runtime.engine.state_hash(),
            )
