"""Fan-out of durable updates to the open streams (kitchen displays, order and load watchers).

Each subscriber has a bounded buffer. A consumer that falls behind does not grow memory without
bound and does not slow the others: its buffer is dropped and it is marked `lagged`, and the stream
then catches up from the durable log (ticket streams) or from the current state (order and load
watchers), which is correct because every message carries a sequence number or a version.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class HubClosedError(Exception):
    """The hub shut down (the server is stopping)."""


class Subscription(Generic[T]):
    def __init__(self, limit: int) -> None:
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()
        self._limit = limit
        self.lagged = False
        self.closed = False

    def push(self, item: T) -> None:
        if len(self._items) >= self._limit:
            self._items.clear()
            self.lagged = True
        else:
            self._items.append(item)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next_batch(self) -> list[T]:
        """Waits for items; returns them all. If `lagged` is set afterwards, items were dropped:
        the caller must catch up from its source of truth and then clear `lagged`."""
        while not self._items and not self.lagged:
            if self.closed:
                raise HubClosedError
            self._ready.clear()
            await self._ready.wait()
        items = list(self._items)
        self._items.clear()
        return items


class Hub(Generic[K, T]):
    def __init__(self, limit: int = 4096) -> None:
        self._subscribers: defaultdict[K, set[Subscription[T]]] = defaultdict(set)
        self._limit = limit
        self._closed = False

    def subscribe(self, key: K) -> Subscription[T]:
        subscription: Subscription[T] = Subscription(self._limit)
        if self._closed:
            subscription.close()
        else:
            self._subscribers[key].add(subscription)
        return subscription

    def unsubscribe(self, key: K, subscription: Subscription[T]) -> None:
        subscribers = self._subscribers.get(key)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[key]

    def publish(self, key: K, item: T) -> None:
        for subscription in self._subscribers.get(key, ()):
            subscription.push(item)

    def has(self, key: K) -> bool:
        return key in self._subscribers

    def topics(self) -> list[K]:
        return list(self._subscribers)

    def count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    def close(self) -> None:
        self._closed = True
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                subscription.close()
        self._subscribers.clear()
