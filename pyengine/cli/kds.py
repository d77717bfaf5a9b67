"""`pyengine kds --station NAME`: a terminal kitchen display for one station.

Shows the station's open tickets live, in the order the engine wants them worked, and bumps them
from the keyboard:
  up/down (or k/j), 1-9   select a ticket
  s                       start the selected ticket
  b, Enter                bump it (done)
  r                       recall the last bumped ticket (remake)
  q                       quit

One thread follows KitchenService.StreamTickets (resuming after the last seq on a dropped
connection), another fetches the station board every REFRESH_S for the engine's work order and
as a heartbeat; the curses loop applies what they bring to a KdsBoard and draws it. Only stream
events change what is on the board, so the screen shows what the server decided, also for the
bumps made here.
"""

from __future__ import annotations

import argparse
import contextlib
import curses
import locale
import queue
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
from pyengine.cli._rpc import (
    add_target_argument,
    describe_rpc_error,
    print_rpc_error,
    status_code,
)
from pyengine.cli._server_clock import ServerClock
from pyengine.routes import StoreRoutes
from pyengine.v1 import common_pb2, kitchen_pb2, kitchen_pb2_grpc, store_pb2_grpc

ACTION_TIMEOUT_S = 5.0
REFRESH_S = 2.0
HELP = "[↑↓/1-9] select  [s] start  [b/⏎] bump  [r] recall  [q] quit"


@dataclass(frozen=True)
class Resync:
    """The server's history is behind what this display saw (it lost or replaced its data):
    start over from this board."""

    board: kitchen_pb2.StationBoard


# What the background threads hand to the screen loop: stream events, board snapshots (for the
# order), a resync, the link status ("online" or why not), or the error that ended the stream.
News = kitchen_pb2.TicketEvent | kitchen_pb2.StationBoard | Resync | str | Exception


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
    """Keyboard actions and drawing around a KdsBoard. The selection follows a ticket, not a
    row, so a reorder never moves the cook's cursor onto another order."""

    board: KdsBoard
    stub: kitchen_pb2_grpc.KitchenServiceStub
    follower: TicketFollower
    target: str
    selected_id: str = ""
    selected_row: int = 0  # where the selection was, for when its ticket leaves
    message: str = ""
    link: str = "connecting"
    inbox: queue.Queue[News] = field(default_factory=queue.Queue)

    def drain(self) -> None:
        while True:
            try:
                news = self.inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(news, kitchen_pb2.TicketEvent):
                self.board.apply(news)
            elif isinstance(news, kitchen_pb2.StationBoard):
                self.board.reorder(news)
            elif isinstance(news, Resync):
                self.board.load(news.board)
                self.message = (
                    f"the server's history restarted: resynced at seq {news.board.last_seq}"
                )
            elif isinstance(news, str):
                self.link = news
            else:
                self.message = f"stream failed: {news}"
        self._select()

    def _select(self, row: int | None = None) -> None:
        """Selects the ticket at `row`, or keeps the selected one, or the one now at its row."""
        tickets = self.board.tickets()
        ids = [t.ticket_id for t in tickets]
        if row is None and self.selected_id in ids:
            row = ids.index(self.selected_id)
        row = max(0, min(self.selected_row if row is None else row, len(ids) - 1))
        self.selected_row = row
        self.selected_id = ids[row] if ids else ""

    def selected_ticket(self) -> kitchen_pb2.Ticket | None:
        return self.board.open.get(self.selected_id)

    def handle_key(self, key: int) -> bool:
        """Applies one key press; False to quit."""
        if key in (ord("q"), ord("Q")):
            return False
        if key in (curses.KEY_UP, ord("k")):
            self._select(self.selected_row - 1)
        elif key in (curses.KEY_DOWN, ord("j")):
            self._select(self.selected_row + 1)
        elif ord("1") <= key <= ord("9") and key - ord("1") < len(self.board.open):
            self._select(key - ord("1"))
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
        link = "online" if self.link == "online" else f"OFFLINE ({self.link})"
        if self.follower.state.startswith("failed"):
            link = f"STREAM {self.follower.state.upper()}"
        title = (
            f" {b.station} @ {b.store_id} · {self.target} · {link}"
            f" · {len(b.open)} open · seq {b.last_seq}"
        )
        clock = time.strftime("%H:%M:%S ")
        self._put(screen, 0, 0, title.ljust(width), curses.A_REVERSE)
        self._put(screen, 0, max(0, width - len(clock)), clock, curses.A_REVERSE)
        header = f" {'#':>2}  {'PICKUP':<7} {'CHANNEL':<13} {'AGE':>5}  {'STATE':<8} ITEMS"
        self._put(screen, 1, 0, header, curses.A_BOLD)
        rows = self._rows(now)
        body = height - 3
        first = self._first_row(rows, body)
        for y, (ticket_id, text, attr) in enumerate(rows[first : first + body], start=2):
            if ticket_id == self.selected_id:
                attr |= curses.A_REVERSE
            self._put(screen, y, 0, text.ljust(width), attr)
        footer = HELP + (f"  | {self.message}" if self.message else "")
        self._put(screen, height - 1, 0, footer, curses.A_DIM)
        screen.refresh()

    def _rows(self, now: int) -> list[tuple[str, str, int]]:
        """(ticket id, text, attributes) per screen line; a ticket takes one line per item.
        Late tickets (past the plan's due time) are red, started ones bold green."""
        rows: list[tuple[str, str, int]] = []
        for index, ticket in enumerate(self.board.tickets()):
            due = self.board.due_at_ms(ticket)
            attr = curses.color_pair(2) if due and now > due else 0
            if ticket.state == common_pb2.TICKET_STATE_STARTED:
                attr = curses.A_BOLD | curses.color_pair(1)
            head = (
                f" {index + 1:>2}  {ticket.pickup_no:<7} {channel_label(ticket.channel):<13} "
                f"{format_age(age_s(ticket, now)):>5}  {state_label(ticket.state):<8} "
            )
            items = [describe_item(item) for item in ticket.items] or ["(no items)"]
            if ticket.customer_note:
                items.append(f"note: {ticket.customer_note}")
            rows.append((ticket.ticket_id, head + items[0], attr))
            rows += [(ticket.ticket_id, " " * len(head) + item, attr) for item in items[1:]]
        return rows

    def _first_row(self, rows: list[tuple[str, str, int]], body: int) -> int:
        """The first line to draw so that the selected ticket is on screen."""
        lines = [i for i, (tid, _, _) in enumerate(rows) if tid == self.selected_id]
        if not lines or lines[-1] < body:
            return 0
        return lines[-1] - body + 1

    @staticmethod
    def _put(screen: curses.window, y: int, x: int, text: str, attr: int) -> None:
        width = screen.getmaxyx()[1]
        text = cut(text, width - x)
        with contextlib.suppress(curses.error):  # writing the last cell of the screen
            try:
                screen.addstr(y, x, text, attr)
            except UnicodeEncodeError:  # a terminal whose locale is not UTF-8
                screen.addstr(y, x, text.encode("ascii", "replace").decode(), attr)


def follow_station(
    follower: TicketFollower,
    request: kitchen_pb2.GetStationBoardRequest,
    inbox: queue.Queue[News],
) -> None:
    """Feeds the station's events to `inbox` until the follower is closed. If the server refuses
    to resume after our last seq (it has fewer events: a new or restored data folder), starts over
    from its current board rather than showing a stale one."""
    while True:
        try:
            for event in follower.events():
                inbox.put(event)
            return
        except grpc.RpcError as err:
            resumable = status_code(err) == grpc.StatusCode.INVALID_ARGUMENT and follower.last_seq
            if not resumable:
                inbox.put(RuntimeError(describe_rpc_error(err)[0]))
                return
        try:
            board = follower.stub.GetStationBoard(request, timeout=ACTION_TIMEOUT_S)
        except grpc.RpcError as err:
            inbox.put(RuntimeError(describe_rpc_error(err)[0]))
            return
        follower.last_seq = board.last_seq
        follower.state = "resynced"
        inbox.put(Resync(board))


def _refresh(
    stub: kitchen_pb2_grpc.KitchenServiceStub,
    request: kitchen_pb2.GetStationBoardRequest,
    inbox: queue.Queue[News],
    stop: threading.Event,
) -> None:
    while not stop.wait(REFRESH_S):
        try:
            inbox.put(stub.GetStationBoard(request, timeout=REFRESH_S))
            inbox.put("online")
        except grpc.RpcError as err:
            inbox.put(status_code(err).name.lower())


def _loop(screen: curses.window, app: KdsApp, clock: ServerClock) -> None:
    curses.curs_set(0)
    if curses.has_colors():
        curses.use_default_colors()
        curses.init_pair(1, curses.COLOR_GREEN, -1)
        curses.init_pair(2, curses.COLOR_RED, -1)
    screen.keypad(True)
    screen.timeout(200)
    while True:
        app.drain()
        app.draw(screen, clock.now_ms())
        key = screen.getch()
        if key != -1 and not app.handle_key(key):
            return


def run(args: argparse.Namespace) -> int:
    locale.setlocale(locale.LC_ALL, "")
    request = kitchen_pb2.GetStationBoardRequest(store_id=args.store, station=args.station)
    try:
        # The display follows one store: its worker's address (`serve --workers N`).
        args.target = StoreRoutes.fetch(args.target, ACTION_TIMEOUT_S).of_store(args.store)
    except grpc.RpcError as err:
        print_rpc_error(f"connecting to {args.target}", err)
        return 1
    with grpc.insecure_channel(args.target) as channel:
        stub = kitchen_pb2_grpc.KitchenServiceStub(channel)  # type: ignore[no-untyped-call]
        store = store_pb2_grpc.StoreServiceStub(channel)  # type: ignore[no-untyped-call]
        try:
            snapshot = stub.GetStationBoard(request, timeout=ACTION_TIMEOUT_S)
            # Ages are measured on the server's clock (it may differ from ours, or run faster in
            # a demo: serve --time-scale).
            clock = ServerClock.read_blocking(store, args.store)
        except grpc.RpcError as err:
            print_rpc_error(f"connecting to {args.target}", err)
            return 1
        board = KdsBoard(store_id=args.store, station=args.station)
        board.load(snapshot)
        follower = TicketFollower(stub, args.store, args.station, after_seq=board.last_seq)
        app = KdsApp(board=board, stub=stub, follower=follower, target=args.target, link="online")
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=follow_station, args=(follower, request, app.inbox), daemon=True
            ),
            threading.Thread(target=_refresh, args=(stub, request, app.inbox, stop), daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            curses.wrapper(_loop, app, clock)
        finally:
            stop.set()
            follower.close()
            for thread in threads:
                thread.join(REFRESH_S + 1)
    return 0
