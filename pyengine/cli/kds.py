"""`pyengine kds --station NAME`: a terminal kitchen display for one station.

Shows the station's open tickets live and bumps them from the keyboard:
  up/down (or k/j), 1-9   select a ticket
  s                       start the selected ticket
  b, Enter                bump it (done)
  r                       recall the last bumped ticket (remake)
  q                       quit

A thread follows KitchenService.StreamTickets (resuming after the last seq on a dropped
connection); the curses loop applies its events to a KdsBoard and draws it. Only stream events
change the board, so what the screen shows is what the server decided, also for bumps made here.
"""

from __future__ import annotations

import argparse
import contextlib
import curses
import locale
import queue
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from pyengine.cli._follow import TicketFollower
from pyengine.cli._kds_board import (
    KdsBoard,
    age_s,
    channel_label,
    describe_item,
    format_age,
    state_label,
)
from pyengine.cli._rpc import add_target_argument, describe_rpc_error
from pyengine.v1 import common_pb2, kitchen_pb2, kitchen_pb2_grpc

ACTION_TIMEOUT_S = 5.0
HELP = "[↑↓/1-9] select  [s] start  [b/⏎] bump  [r] recall  [q] quit"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "kds",
        help="terminal kitchen display for one station",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--station", required=True, help="station name, e.g. tea_bar")
    parser.add_argument("--store", default="sh-001", help="store id (default sh-001)")
    add_target_argument(parser)
    parser.set_defaults(run=run)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def cut(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (CJK characters take two)."""
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


@dataclass
class KdsApp:
    """Keyboard actions and drawing around a KdsBoard."""

    board: KdsBoard
    stub: kitchen_pb2_grpc.KitchenServiceStub
    follower: TicketFollower
    target: str
    selected: int = 0
    message: str = ""
    link: str = "connecting"  # the channel's connectivity, from grpc
    inbox: queue.Queue[kitchen_pb2.TicketEvent | Exception] = field(default_factory=queue.Queue)

    def drain(self) -> None:
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Exception):
                self.message = f"stream failed: {item}"
            else:
                self.board.apply(item)
        self.selected = max(0, min(self.selected, len(self.board.open) - 1))

    def selected_ticket(self) -> kitchen_pb2.Ticket | None:
        tickets = self.board.tickets()
        return tickets[self.selected] if 0 <= self.selected < len(tickets) else None

    def handle_key(self, key: int) -> bool:
        """Applies one key press; False to quit."""
        count = len(self.board.open)
        if key in (ord("q"), ord("Q")):
            return False
        if key in (curses.KEY_UP, ord("k")):
            self.selected = max(0, self.selected - 1)
        elif key in (curses.KEY_DOWN, ord("j")):
            self.selected = min(max(count - 1, 0), self.selected + 1)
        elif ord("1") <= key <= ord("9") and key - ord("1") < count:
            self.selected = key - ord("1")
        elif key == ord("s"):
            self._act("start", self.stub.Start, self.selected_ticket())
        elif key in (ord("b"), curses.KEY_ENTER, 10, 13):
            self._act("bump", self.stub.Bump, self.selected_ticket())
        elif key == ord("r"):
            self._act("recall", self.stub.Recall, self.board.last_bumped())
        return True

    def _act(
        self, verb: str, method: Callable[..., object], ticket: kitchen_pb2.Ticket | None
    ) -> None:
        if ticket is None:
            self.message = f"nothing to {verb}"
            return
        request = kitchen_pb2.TicketActionRequest(ticket_id=ticket.ticket_id)
        try:
            method(request, timeout=ACTION_TIMEOUT_S)
        except grpc.RpcError as err:
            self.message = f"{verb} {ticket.pickup_no}: {describe_rpc_error(err)[0]}"
            return
        self.message = f"{verb}: {ticket.pickup_no}"

    def draw(self, screen: curses.window, now: int) -> None:
        screen.erase()
        height, width = screen.getmaxyx()
        if height < 4 or width < 20:
            self._put(screen, 0, 0, "terminal too small", 0)
            screen.refresh()
            return
        b = self.board
        link = "online" if self.link == "ready" else f"OFFLINE ({self.link})"
        if self.follower.state.startswith("failed"):
            link = f"STREAM {self.follower.state.upper()}"
        title = (
            f" {b.station} @ {b.store_id} · {self.target} · {link}"
            f" · {len(b.open)} open · seq {b.last_seq}"
        )
        clock = time.strftime("%H:%M:%S ")
        self._put(screen, 0, 0, title.ljust(width), curses.A_REVERSE)
        self._put(screen, 0, max(0, width - len(clock)), clock, curses.A_REVERSE)
        self._put(screen, 1, 0, f" {'#':>2}  {'PICKUP':<7} {'CHANNEL':<13} {'AGE':>5}  "
                  f"{'STATE':<8} ITEMS", curses.A_BOLD)  # fmt: skip
        rows = self._rows(now)
        body = height - 3
        first = self._first_row(rows, body)
        for y, (index, text, attr) in enumerate(rows[first : first + body], start=2):
            if index == self.selected:
                attr |= curses.A_REVERSE
            self._put(screen, y, 0, text.ljust(width), attr)
        footer = HELP + (f"  | {self.message}" if self.message else "")
        self._put(screen, height - 1, 0, footer, curses.A_DIM)
        screen.refresh()

    def _rows(self, now: int) -> list[tuple[int, str, int]]:
        """(ticket index, text, attributes) per screen line; a ticket takes one line per item."""
        rows: list[tuple[int, str, int]] = []
        for index, ticket in enumerate(self.board.tickets()):
            late = ticket.due_at_ms and now > ticket.due_at_ms
            attr = curses.color_pair(2) if late else 0
            if ticket.state == common_pb2.TICKET_STATE_STARTED:
                attr |= curses.A_BOLD | curses.color_pair(1)
            head = (
                f" {index + 1:>2}  {ticket.pickup_no:<7} {channel_label(ticket.channel):<13} "
                f"{format_age(age_s(ticket, now)):>5}  {state_label(ticket.state):<8} "
            )
            items = [describe_item(item) for item in ticket.items] or ["(no items)"]
            if ticket.customer_note:
                items.append(f"note: {ticket.customer_note}")
            rows.append((index, head + items[0], attr))
            rows += [(index, " " * len(head) + item, attr) for item in items[1:]]
        return rows

    def _first_row(self, rows: list[tuple[int, str, int]], body: int) -> int:
        """The first line to draw so that the selected ticket is on screen."""
        lines = [i for i, (index, _, _) in enumerate(rows) if index == self.selected]
        if not lines or lines[-1] < body:
            return 0
        return lines[-1] - body + 1

    @staticmethod
    def _put(screen: curses.window, y: int, x: int, text: str, attr: int) -> None:
        width = screen.getmaxyx()[1]
        with contextlib.suppress(curses.error):  # writing the last cell of the screen
            screen.addstr(y, x, cut(text, width - x), attr)


def _pump(
    follower: TicketFollower, inbox: queue.Queue[kitchen_pb2.TicketEvent | Exception]
) -> None:
    try:
        for event in follower.events():
            inbox.put(event)
    except grpc.RpcError as err:
        inbox.put(RuntimeError(describe_rpc_error(err)[0]))


def _loop(screen: curses.window, app: KdsApp) -> None:
    curses.curs_set(0)
    if curses.has_colors():
        curses.use_default_colors()
        curses.init_pair(1, curses.COLOR_GREEN, -1)
        curses.init_pair(2, curses.COLOR_RED, -1)
    screen.keypad(True)
    screen.timeout(200)
    while True:
        app.drain()
        app.draw(screen, now_ms())
        key = screen.getch()
        if key != -1 and not app.handle_key(key):
            return


def run(args: argparse.Namespace) -> int:
    locale.setlocale(locale.LC_ALL, "")
    with grpc.insecure_channel(args.target) as channel:
        stub = kitchen_pb2_grpc.KitchenServiceStub(channel)  # type: ignore[no-untyped-call]
        board = KdsBoard(store_id=args.store, station=args.station)
        try:
            snapshot = stub.GetStationBoard(
                kitchen_pb2.GetStationBoardRequest(store_id=args.store, station=args.station),
                timeout=ACTION_TIMEOUT_S,
            )
        except grpc.RpcError as err:
            for line in describe_rpc_error(err):
                print(f"error: {line}", file=sys.stderr)
            return 1
        board.load(snapshot)
        follower = TicketFollower(stub, args.store, args.station, after_seq=board.last_seq)
        app = KdsApp(board=board, stub=stub, follower=follower, target=args.target)

        def on_connectivity(state: grpc.ChannelConnectivity) -> None:
            app.link = state.name.lower()

        channel.subscribe(on_connectivity, try_to_connect=True)
        thread = threading.Thread(target=_pump, args=(follower, app.inbox), daemon=True)
        thread.start()
        try:
            curses.wrapper(_loop, app)
        finally:
            follower.close()
            thread.join(2.0)
    return 0
