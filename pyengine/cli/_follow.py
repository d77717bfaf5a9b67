"""Following a station's ticket stream across dropped connections, exactly once.

StreamTickets numbers a station's events 1, 2, 3, ... with no gaps; the followers read them with
StreamTicketBatches (the same events, the ones ready together in one message, so a display that
was away gets its backlog in a few messages). A follower remembers the last
seq it handed out and, when the stream breaks (server restart, network, a cut slow consumer),
reopens it with `after_seq` = that seq: nothing is lost, and anything the server sends twice is
dropped here. Two flavours: a blocking iterator for the terminal KDS (read in a thread) and an
async iterator for the demo's simulated kitchen.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import grpc

from pyengine.cli._rpc import RETRYABLE, status_code
from pyengine.v1 import kitchen_pb2, kitchen_pb2_grpc

MAX_BACKOFF_S = 2.0


class TicketFollower:
    """`for event in follower.events(): ...` from one thread; `close()` from any thread ends it.

    `state` ("connecting", "live", "reconnecting: UNAVAILABLE", "closed") and `reconnects` are for
    display; `last_seq` is the resume point."""

    def __init__(
        self,
        stub: kitchen_pb2_grpc.KitchenServiceStub,
        store_id: str,
        station: str,
        after_seq: int = 0,
    ) -> None:
        self.stub = stub
        self.store_id = store_id
        self.station = station
        self.last_seq = after_seq
        self.state = "connecting"
        self.reconnects = 0
        self._closed = threading.Event()
        self._call: grpc.Future[kitchen_pb2.TicketEventBatch] | None = None
        self._lock = threading.Lock()

    def events(self) -> Iterator[kitchen_pb2.TicketEvent]:
        backoff = 0.1
        while not self._closed.is_set():
            request = kitchen_pb2.StreamTicketsRequest(
                store_id=self.store_id, station=self.station, after_seq=self.last_seq
            )
            with self._lock:
                if self._closed.is_set():  # close() ran before this call existed
                    break
                call = self.stub.StreamTicketBatches(request)
                self._call = call
            reason = "stream ended"
            try:
                for batch in call:
                    self.state = "live"
                    backoff = 0.1
                    for event in batch.events:
                        if event.seq <= self.last_seq:
                            continue
                        self.last_seq = event.seq
                        yield event
            except grpc.RpcError as err:
                code = status_code(err)
                if self._closed.is_set():
                    break
                if code not in RETRYABLE:
                    self.state = f"failed: {code.name}"
                    raise
                reason = code.name
            if self._closed.wait(backoff):
                break
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            self.reconnects += 1
            self.state = f"reconnecting: {reason}"
        self.state = "closed"

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._call is not None:
                self._call.cancel()


async def follow_tickets(
    stub: kitchen_pb2_grpc.KitchenServiceStub,
    store_id: str,
    station: str,
    after_seq: int = 0,
) -> AsyncIterator[kitchen_pb2.TicketEvent]:
    """The async flavour, for a grpc.aio stub: runs until the consuming task is cancelled."""
    last_seq = after_seq
    backoff = 0.1
    while True:
        request = kitchen_pb2.StreamTicketsRequest(
            store_id=store_id, station=station, after_seq=last_seq
        )
        call = stub.StreamTicketBatches(request)
        try:
            async for batch in call:
                backoff = 0.1
                for event in batch.events:
                    if event.seq <= last_seq:
                        continue
                    last_seq = event.seq
                    yield event
        except grpc.RpcError as err:
            if status_code(err) not in RETRYABLE:
                raise
        finally:
            call.cancel()
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_S)
