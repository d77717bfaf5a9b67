"""The demo's simulated kitchen: for every station, `slots` cooks who follow the station's ticket
stream, take the next ticket in the order the station board lists them, Start it, work for its
standard duration (with seeded noise) divided by the time compression, and Bump it.

At a station with a batch size (four identical milk teas brewed together), a cook who takes a
ticket also takes the queued tickets that ride along for free: the same drinks, while the batch
has room. The engine prices a line's work as ceil(quantity / batch size) rounds of one cup's
time (TicketItem.work_s); the cook inverts that to a cup's time and batches cups across tickets.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable

import grpc

from pyengine.cli._follow import follow_tickets
from pyengine.v1 import common_pb2, kitchen_pb2, kitchen_pb2_grpc, store_pb2

Kind = kitchen_pb2.TicketEventKind
NOISE_SIGMA = 0.15  # log-normal spread of actual vs standard work time
POLL_S = 0.5  # wall seconds a free cook waits for news before looking at the board anyway
RPC_TIMEOUT_S = 10.0


def batch_seconds(tickets: Iterable[kitchen_pb2.Ticket], batch_size: int) -> float:
    """Standard seconds to make the tickets' cups together: cups of the same drink (sku and
    steps) go in rounds of `batch_size`, each round as long as its slowest cup. For one ticket
    alone this is its work_s, as the engine computes it."""
    size = max(batch_size, 1)
    cups: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for ticket in tickets:
        for item in ticket.items:
            quantity = max(item.quantity, 1)
            cup_s = item.work_s / math.ceil(quantity / size)
            cups[(item.sku, *item.steps)] += [cup_s] * quantity
        if not ticket.items:
            cups[(ticket.ticket_id,)].append(float(ticket.work_s))
    total = 0.0
    for durations in cups.values():
        durations.sort(reverse=True)
        total += sum(durations[i] for i in range(0, len(durations), size))
    return total


def noise(seed: int, ticket_id: str) -> float:
    """The seeded factor by which this ticket's real work differs from its standard time."""
    return random.Random(f"{seed}/{ticket_id}").lognormvariate(0.0, NOISE_SIGMA)


class StationSim:
    def __init__(
        self,
        stub: kitchen_pb2_grpc.KitchenServiceStub,
        store_id: str,
        station: store_pb2.Station,
        speed: float,
        seed: int,
    ) -> None:
        self.stub = stub
        self.store_id = store_id
        self.station = station
        self.speed = speed
        self.seed = seed
        self.claimed: set[str] = set()
        self.news = asyncio.Condition()
        self.generation = 0  # bumped on every ADDED/RECALLED event: there may be new work
        self.claim_lock = asyncio.Lock()
        self.bumped = 0

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(self.station.slots, 0)):
                group.create_task(self._cook())
            group.create_task(self._listen())

    async def _listen(self) -> None:
        async for event in follow_tickets(self.stub, self.store_id, self.station.name):
            if event.kind in (Kind.TICKET_EVENT_KIND_ADDED, Kind.TICKET_EVENT_KIND_RECALLED):
                async with self.news:
                    self.generation += 1
                    self.news.notify_all()

    async def _cook(self) -> None:
        while True:
            seen = self.generation
            began = asyncio.get_running_loop().time()
            batch = await self._claim()
            if not batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._news_since(seen), POLL_S)
                continue
            try:
                await self._work(batch, began)
            finally:
                self.claimed.difference_update(t.ticket_id for t in batch)

    async def _news_since(self, seen: int) -> None:
        async with self.news:
            await self.news.wait_for(lambda: self.generation != seen)

    async def _claim(self) -> list[kitchen_pb2.Ticket]:
        """The next ticket of the board and those that batch with it for free; marked claimed."""
        async with self.claim_lock:
            board = await self.stub.GetStationBoard(
                kitchen_pb2.GetStationBoardRequest(
                    store_id=self.store_id, station=self.station.name
                ),
                timeout=RPC_TIMEOUT_S,
            )
            free = [
                t
                for t in board.queue
                if t.state == common_pb2.TICKET_STATE_QUEUED and t.ticket_id not in self.claimed
            ]
            if not free:
                return []
            batch = [free[0]]
            size = self.station.batch_size
            for candidate in free[1:] if size > 1 else []:
                before = batch_seconds(batch, size)
                if batch_seconds([*batch, candidate], size) <= before:
                    batch.append(candidate)
            self.claimed.update(t.ticket_id for t in batch)
            return batch

    async def _work(self, batch: list[kitchen_pb2.Ticket], began: float) -> None:
        """Starts the batch, works, bumps it. The work is timed from `began` (before the board
        was read), so the RPCs' own latency does not add to the simulated work: at 300x a
        millisecond of wall time is 0.3 simulated seconds."""
        loop = asyncio.get_running_loop()
        ok = await asyncio.gather(*(self._act(self.stub.Start, t) for t in batch))
        started = [t for t, was_started in zip(batch, ok, strict=True) if was_started]
        if not started:
            return
        factor = sum(noise(self.seed, t.ticket_id) for t in started) / len(started)
        seconds = batch_seconds(started, self.station.batch_size) * factor
        await asyncio.sleep(max(0.0, began + seconds / self.speed - loop.time()))
        bumped = await asyncio.gather(*(self._act(self.stub.Bump, t) for t in started))
        self.bumped += sum(bumped)

    async def _act(self, method: object, ticket: kitchen_pb2.Ticket) -> bool:
        """Start or Bump; False when the ticket is no longer ours to act on (voided, taken)."""
        request = kitchen_pb2.TicketActionRequest(ticket_id=ticket.ticket_id)
        try:
            await method(request, timeout=RPC_TIMEOUT_S)  # type: ignore[operator]
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND):
                return False
            raise
        return True


class Kitchen:
    """Every station of one store, run until cancelled."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        menu: store_pb2.Menu,
        speed: float,
        seed: int,
    ) -> None:
        stub = kitchen_pb2_grpc.KitchenServiceStub(channel)  # type: ignore[no-untyped-call]
        self.stations = [StationSim(stub, menu.store_id, s, speed, seed) for s in menu.stations]

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for station in self.stations:
                group.create_task(station.run())
