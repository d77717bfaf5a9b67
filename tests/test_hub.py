"""Stream fan-out: bounded buffers, lagging consumers are flagged instead of growing memory."""

from __future__ import annotations

import asyncio

import pytest

from pyengine.hub import Hub, HubClosedError


def test_each_subscriber_gets_every_item_in_order() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        hub: Hub[str, int] = Hub()
        a, b = hub.subscribe("k"), hub.subscribe("k")
        other = hub.subscribe("other")
        for i in range(5):
            hub.publish("k", i)
        assert await other_is_empty(other)
        return await a.next_batch(), await b.next_batch()

    async def other_is_empty(sub) -> bool:  # type: ignore[no-untyped-def]
        try:
            await asyncio.wait_for(sub.next_batch(), 0.01)
        except TimeoutError:
            return True
        return False

    assert asyncio.run(scenario()) == ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])


def test_a_slow_subscriber_is_flagged_lagged_not_grown() -> None:
    async def scenario() -> None:
        hub: Hub[str, int] = Hub(limit=10)
        slow = hub.subscribe("k")
        for i in range(25):
            hub.publish("k", i)
        batch = await slow.next_batch()
        assert slow.lagged
        assert len(batch) < 10

    asyncio.run(scenario())


def test_close_wakes_waiters() -> None:
    async def scenario() -> None:
        hub: Hub[str, int] = Hub()
        sub = hub.subscribe("k")
        waiter = asyncio.create_task(sub.next_batch())
        await asyncio.sleep(0)
        hub.close()
        with pytest.raises(HubClosedError):
            await waiter
        assert hub.subscribe("k").closed

    asyncio.run(scenario())
