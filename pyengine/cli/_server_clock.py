"""The server's clock as seen from a client: where it is now and how fast it runs.

`pyengine serve --time-scale F` runs the engine's clock F times faster than the wall clock (for
demos and simulations). A client that must give the server instants in its own time, such as a
delivery order's rider arrival, or show ages of the server's timestamps (a KDS), reads the clock
twice (the first message of WatchLoad carries the server's `now` as `at_ms`) and extrapolates from
there. That also absorbs any offset between the client's and the server's clocks.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from pyengine.v1 import store_pb2, store_pb2_grpc

SAMPLE_GAP_S = 0.3


def _sample_blocking(stub: store_pb2_grpc.StoreServiceStub, store_id: str) -> tuple[float, int]:
    before = time.monotonic()
    call = stub.WatchLoad(store_pb2.WatchLoadRequest(store_id=store_id), timeout=10)
    try:
        update: store_pb2.LoadUpdate = next(call)
    finally:
        call.cancel()
    return (before + time.monotonic()) / 2, update.at_ms


async def _sample(stub: store_pb2_grpc.StoreServiceStub, store_id: str) -> tuple[float, int]:
    """(wall seconds at the middle of the round trip, the server's now in ms)."""
    before = time.monotonic()
    call = stub.WatchLoad(store_pb2.WatchLoadRequest(store_id=store_id))
    try:
        update: store_pb2.LoadUpdate = await call.read()
    finally:
        call.cancel()
    return (before + time.monotonic()) / 2, update.at_ms


@dataclass(frozen=True)
class ServerClock:
    wall: float  # time.monotonic() of the reading
    at_ms: int  # the server's clock then
    scale: float  # server milliseconds per wall millisecond

    @classmethod
    async def read(cls, stub: store_pb2_grpc.StoreServiceStub, store_id: str) -> ServerClock:
        wall_1, at_1 = await _sample(stub, store_id)
        await asyncio.sleep(SAMPLE_GAP_S)
        wall_2, at_2 = await _sample(stub, store_id)
        return cls.between((wall_1, at_1), (wall_2, at_2))

    @classmethod
    def read_blocking(cls, stub: store_pb2_grpc.StoreServiceStub, store_id: str) -> ServerClock:
        """The same with a synchronous stub."""
        first = _sample_blocking(stub, store_id)
        time.sleep(SAMPLE_GAP_S)
        return cls.between(first, _sample_blocking(stub, store_id))

    @classmethod
    def between(cls, first: tuple[float, int], second: tuple[float, int]) -> ServerClock:
        (wall_1, at_1), (wall_2, at_2) = first, second
        return cls(wall_2, at_2, (at_2 - at_1) / ((wall_2 - wall_1) * 1000))

    def now_ms(self) -> int:
        return self.at_ms + int((time.monotonic() - self.wall) * 1000 * self.scale)
