"""The state of one station's kitchen display, built from its TicketEvents. Pure: no I/O, no
clock (ages take `now_ms` as an argument), so it is tested without a terminal or a server.

What is on the board comes from the stream alone (exactly once, by seq). The order in which the
tickets are listed is the engine's: the station should work them in the order of GetStationBoard's
queue, which the display fetches now and then (`reorder`); tickets that arrived since are listed
after those, in arrival order, and a recalled ticket goes to the end, as a remake does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyengine.v1 import common_pb2, kitchen_pb2

Kind = kitchen_pb2.TicketEventKind

OPEN_STATES = frozenset({common_pb2.TICKET_STATE_QUEUED, common_pb2.TICKET_STATE_STARTED})


@dataclass
class KdsBoard:
    store_id: str
    station: str
    last_seq: int = 0
    # ticket_id -> ticket, in arrival order (dicts keep insertion order).
    open: dict[str, kitchen_pb2.Ticket] = field(default_factory=dict)
    # Bumped tickets, most recent last: what `recall` brings back.
    bumped: list[kitchen_pb2.Ticket] = field(default_factory=list)
    duplicates: int = 0  # events at or below last_seq, ignored
    gaps: int = 0  # events missing before one that arrived (never, if the server keeps its word)
    max_bumped: int = 50
    # The engine's work order (ticket ids) and due times, as of the last reorder().
    rank: dict[str, int] = field(default_factory=dict)
    due_ms: dict[str, int] = field(default_factory=dict)

    def load(self, board: kitchen_pb2.StationBoard) -> None:
        """Starts (over) from a GetStationBoard snapshot; follow the stream after its last_seq.
        Whatever the board showed before is forgotten, bumped tickets too."""
        self.open = {t.ticket_id: t for t in board.queue if t.state in OPEN_STATES}
        self.bumped = []
        self.last_seq = board.last_seq
        self.reorder(board)

    def reorder(self, board: kitchen_pb2.StationBoard) -> None:
        """Takes the engine's current work order and due times from a snapshot. Only the order:
        the snapshot may be older or newer than the events applied so far, so it never adds or
        removes a ticket."""
        self.rank = {t.ticket_id: i for i, t in enumerate(board.queue)}
        self.due_ms = {t.ticket_id: t.due_at_ms for t in board.queue}

    def apply(self, event: kitchen_pb2.TicketEvent) -> bool:
        """Applies one event; False if it was a duplicate (seq already seen) and changed nothing."""
        if event.seq <= self.last_seq:
            self.duplicates += 1
            return False
        if event.seq > self.last_seq + 1:
            self.gaps += event.seq - self.last_seq - 1
        self.last_seq = event.seq
        ticket = event.ticket
        tid = ticket.ticket_id
        if event.kind == Kind.TICKET_EVENT_KIND_ADDED:
            self.open[tid] = ticket
        elif event.kind == Kind.TICKET_EVENT_KIND_STARTED:
            self.open[tid] = ticket  # keeps its place on the rail if it has one
        elif event.kind == Kind.TICKET_EVENT_KIND_BUMPED:
            self.open.pop(tid, None)
            self._forget_bumped(tid)
            self.bumped.append(ticket)
            del self.bumped[: -self.max_bumped]
        elif event.kind == Kind.TICKET_EVENT_KIND_RECALLED:
            self._forget_bumped(tid)
            self.open.pop(tid, None)
            self.rank.pop(tid, None)
            self.open[tid] = ticket  # a remake goes to the end of the rail
        elif event.kind == Kind.TICKET_EVENT_KIND_VOIDED:
            self.open.pop(tid, None)
            self._forget_bumped(tid)
        return True

    def _forget_bumped(self, ticket_id: str) -> None:
        self.bumped = [t for t in self.bumped if t.ticket_id != ticket_id]

    def tickets(self) -> list[kitchen_pb2.Ticket]:
        """Open tickets in the engine's order, then the ones it has not ranked yet, by arrival."""
        unranked = len(self.rank)
        arrival = {tid: i for i, tid in enumerate(self.open)}
        return sorted(
            self.open.values(),
            key=lambda t: (self.rank.get(t.ticket_id, unranked), arrival[t.ticket_id]),
        )

    def due_at_ms(self, ticket: kitchen_pb2.Ticket) -> int:
        """When the plan wants the ticket done: from the latest snapshot, else from its event."""
        return self.due_ms.get(ticket.ticket_id, ticket.due_at_ms)

    def last_bumped(self) -> kitchen_pb2.Ticket | None:
        return self.bumped[-1] if self.bumped else None


def age_s(ticket: kitchen_pb2.Ticket, now_ms: int) -> int:
    """Seconds since the ticket was created, i.e. since its order was accepted: how long the
    customer has been waiting, whichever station the ticket is at."""
    return max(0, (now_ms - ticket.created_at_ms) // 1000)


def format_age(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def describe_item(item: kitchen_pb2.TicketItem) -> str:
    """'2x 经典珍珠奶茶 (large, pearls)'; an order-level task (no sku) as 'order: bag'."""
    if not item.sku:
        return f"{item.name or 'order'}: {', '.join(item.steps)}"
    text = f"{item.quantity}x {item.name}"
    if item.modifiers:
        text += f" ({', '.join(item.modifiers)})"
    if item.note:
        text += f" [{item.note}]"
    return text


def channel_label(channel: int) -> str:
    name = common_pb2.Channel.Name(channel) if channel in common_pb2.Channel.values() else "?"
    return name.removeprefix("CHANNEL_").lower().replace("_", "-")


def state_label(state: int) -> str:
    name = common_pb2.TicketState.Name(state) if state in common_pb2.TicketState.values() else "?"
    return name.removeprefix("TICKET_STATE_").lower()
