"""Helpers for the tests that talk to a real `pyengine serve` process over loopback gRPC."""

from __future__ import annotations

import queue
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from pyengine.eventlog import Batch
from pyengine.v1 import (
    common_pb2,
    kitchen_pb2,
    kitchen_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
    store_pb2_grpc,
)

STORE = "sh-001"
STREAM_TIMEOUT_S = 15.0


@dataclass
class Client:
    channel: grpc.Channel
    orders: orders_pb2_grpc.OrderServiceStub
    kitchen: kitchen_pb2_grpc.KitchenServiceStub
    store: store_pb2_grpc.StoreServiceStub

    @classmethod
    def connect(cls, target: str) -> Client:
        channel = grpc.insecure_channel(target)
        grpc.channel_ready_future(channel).result(timeout=30)
        return cls(
            channel,
            orders_pb2_grpc.OrderServiceStub(channel),
            kitchen_pb2_grpc.KitchenServiceStub(channel),
            store_pb2_grpc.StoreServiceStub(channel),
        )

    def submit(self, draft: orders_pb2.OrderDraft) -> orders_pb2.SubmitOrderResponse:
        response: orders_pb2.SubmitOrderResponse = self.orders.SubmitOrder(
            orders_pb2.SubmitOrderRequest(order=draft), timeout=30
        )
        return response

    def get(self, order_id: str) -> orders_pb2.Order:
        order: orders_pb2.Order = self.orders.GetOrder(
            orders_pb2.GetOrderRequest(order_id=order_id), timeout=30
        )
        return order

    def act(self, action: str, ticket_id: str) -> kitchen_pb2.Ticket:
        method = getattr(self.kitchen, action)
        ticket: kitchen_pb2.Ticket = method(
            kitchen_pb2.TicketActionRequest(ticket_id=ticket_id), timeout=30
        )
        return ticket

    def close(self) -> None:
        self.channel.close()


def line(sku: str, quantity: int = 1, *modifiers: str) -> orders_pb2.OrderLine:
    return orders_pb2.OrderLine(sku=sku, quantity=quantity, modifiers=list(modifiers))


def draft(
    *lines: orders_pb2.OrderLine,
    channel: int = common_pb2.CHANNEL_COUNTER,
    channel_order_id: str | None = None,
    store_id: str = STORE,
    **fields: Any,
) -> orders_pb2.OrderDraft:
    return orders_pb2.OrderDraft(
        store_id=store_id,
        channel=channel,
        channel_order_id=channel_order_id or f"t-{uuid.uuid4().hex[:12]}",
        lines=list(lines) or [line("classic_milk_tea")],
        **fields,
    )


class Stream:
    """Reads a server stream on a thread so that tests can wait for messages with a timeout."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        try:
            for message in self.call:
                self._queue.put(message)
        except grpc.RpcError as exc:
            self._queue.put(exc)
        self._queue.put(StopIteration())

    def next(self, timeout: float = STREAM_TIMEOUT_S) -> Any:
        item = self._queue.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise item
        return item

    def take(self, count: int, timeout: float = STREAM_TIMEOUT_S) -> list[Any]:
        return [self.next(timeout) for _ in range(count)]

    def until(self, predicate: Any, timeout: float = STREAM_TIMEOUT_S) -> list[Any]:
        """Messages up to and including the first that satisfies `predicate`."""
        seen = []
        while True:
            message = self.next(timeout)
            seen.append(message)
            if predicate(message):
                return seen

    def end(self, timeout: float = STREAM_TIMEOUT_S) -> BaseException:
        """Waits for the stream to finish; returns the RpcError or StopIteration it ended with."""
        while True:
            item = self._queue.get(timeout=timeout)
            if isinstance(item, BaseException):
                return item

    def cancel(self) -> None:
        self.call.cancel()


def ticket_stream(client: Client, station: str, after_seq: int = 0, store: str = STORE) -> Stream:
    return Stream(
        client.kitchen.StreamTickets(
            kitchen_pb2.StreamTicketsRequest(store_id=store, station=station, after_seq=after_seq)
        )
    )


class BatchStream(Stream):
    """A StreamTicketBatches call read as its events, one by one (`batches` counts messages)."""

    batches = 0

    def _pump(self) -> None:
        try:
            for message in self.call:
                self.batches += 1
                for event in message.events:
                    self._queue.put(event)
        except grpc.RpcError as exc:
            self._queue.put(exc)
        self._queue.put(StopIteration())


def ticket_batch_stream(
    client: Client, station: str, after_seq: int = 0, store: str = STORE
) -> BatchStream:
    return BatchStream(
        client.kitchen.StreamTicketBatches(
            kitchen_pb2.StreamTicketsRequest(store_id=store, station=station, after_seq=after_seq)
        )
    )


def field_violations(error: grpc.RpcError) -> list[str]:
    """The fields named by a BadRequest in the rich status of an INVALID_ARGUMENT error."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, f"no rich status on {error}"
    fields = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields.extend(v.field for v in bad.field_violations)
    return fields


def precondition_subjects(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, f"no rich status on {error}"
    subjects = []
    for detail in status.details:
        failure = error_details_pb2.PreconditionFailure()
        if detail.Unpack(failure):
            subjects.extend(v.subject for v in failure.violations)
    return subjects


def event_count(data_dir: Path) -> int:
    """Records in the server's event log, read from the real SQLite file."""
    with sqlite3.connect(f"file:{data_dir / 'events.sqlite3'}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def bump_all(client: Client, order: orders_pb2.Order) -> None:
    """Bumps the order's tickets station by station, as the kitchen would."""
    for _ in range(len(order.tickets) + 1):
        order = client.get(order.order_id)
        queued = [t for t in order.tickets if t.state == common_pb2.TICKET_STATE_QUEUED]
        if not queued:
            return
        for ticket in queued:
            client.act("Bump", ticket.ticket_id)


def ids(messages: Iterable[Any]) -> Iterator[str]:
    for message in messages:
        yield message.ticket.ticket_id


async def exercise_key_table(log: Any) -> None:
    """What an event store must do with the idempotency keys the core lets go of (`log`: a new,
    started `EventStore`): keep each from the commit of the batch that names it, the newest
    submission's row when a key is reused, and drop the rows past the window when told;
    `catch_up_feed` writes them like a commit."""
    counter = common_pb2.CHANNEL_COUNTER

    def event(lsn: int) -> tuple[int, str, int, bytes]:
        return (lsn, "orders_evicted", 1_000 + lsn, f"record {lsn}".encode())

    old = (counter, "k-1", "sh-001-000001", "f1", 1_000, 1)
    other = (common_pb2.CHANNEL_MEITUAN, "k-1", "sh-001-000002", "f2", 2_000, 2)
    log.append(Batch([event(1)], [], logged_keys=[old, other]))
    await log.durable(1)
    assert log.logged_key(counter, "k-1") == ("sh-001-000001", "f1", 1_000, 1)
    assert log.logged_key(common_pb2.CHANNEL_MEITUAN, "k-1") == ("sh-001-000002", "f2", 2_000, 2)
    assert log.logged_key(counter, "k-2") is None
    # Reused after its window: the newer submission's row wins, whatever order they come in.
    newer = (counter, "k-1", "sh-001-000009", "f9", 9_000, 9)
    log.append(Batch([event(2)], [], logged_keys=[newer]))
    log.append(Batch([event(3)], [], logged_keys=[old]))
    await log.durable(3)
    assert log.logged_key(counter, "k-1") == ("sh-001-000009", "f9", 9_000, 9)
    # Past the window: dropped with the batch that says so.
    log.append(Batch([event(4)], [], keys_forgotten_before_ms=5_000))
    await log.durable(4)
    assert log.logged_key(common_pb2.CHANNEL_MEITUAN, "k-1") is None
    assert log.logged_key(counter, "k-1") is not None
    await log.close()


def catch_up_writes_keys(log: Any) -> None:
    """`catch_up_feed` (a replayed record the projections had not seen) writes its keys."""
    key = (common_pb2.CHANNEL_KIOSK, "k-3", "sh-001-000003", "f3", 3_000, 3)
    log.catch_up_feed(7, [], [key], 0)
    assert log.feed_lsn() == 7
    assert log.logged_key(common_pb2.CHANNEL_KIOSK, "k-3") == ("sh-001-000003", "f3", 3_000, 3)
