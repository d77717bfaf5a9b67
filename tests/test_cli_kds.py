"""The kitchen display: its board model (pure), its stream follower across a server restart, and
the curses screen itself driven through tmux."""

from __future__ import annotations

import os
import queue
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from pyengine.cli._follow import TicketFollower
from pyengine.cli._kds_board import KdsBoard, describe_item
from pyengine.cli.kds import News, Resync, follow_station
from pyengine.serverproc import ServerProcess
from pyengine.v1 import common_pb2, kitchen_pb2, kitchen_pb2_grpc
from tests.support import Client, draft, line

Kind = kitchen_pb2.TicketEventKind
S = common_pb2.TicketState


def event(seq: int, kind: int, order: str, state: int) -> kitchen_pb2.TicketEvent:
    ticket = kitchen_pb2.Ticket(
        ticket_id=f"{order}/tea_bar", order_id=order, station="tea_bar", state=state
    )
    return kitchen_pb2.TicketEvent(seq=seq, kind=kind, at_ms=1000 * seq, ticket=ticket)  # type: ignore[arg-type]


def open_ids(board: KdsBoard) -> list[str]:
    return [t.order_id for t in board.tickets()]


def test_board_applies_every_kind_of_event() -> None:
    board = KdsBoard("sh-001", "tea_bar")
    board.apply(event(1, Kind.TICKET_EVENT_KIND_ADDED, "a", S.TICKET_STATE_QUEUED))
    board.apply(event(2, Kind.TICKET_EVENT_KIND_ADDED, "b", S.TICKET_STATE_QUEUED))
    board.apply(event(3, Kind.TICKET_EVENT_KIND_ADDED, "c", S.TICKET_STATE_QUEUED))
    assert open_ids(board) == ["a", "b", "c"]

    board.apply(event(4, Kind.TICKET_EVENT_KIND_STARTED, "b", S.TICKET_STATE_STARTED))
    assert open_ids(board) == ["a", "b", "c"]  # a started ticket keeps its place
    assert board.open["b/tea_bar"].state == S.TICKET_STATE_STARTED

    board.apply(event(5, Kind.TICKET_EVENT_KIND_BUMPED, "a", S.TICKET_STATE_DONE))
    board.apply(event(6, Kind.TICKET_EVENT_KIND_BUMPED, "b", S.TICKET_STATE_DONE))
    assert open_ids(board) == ["c"]
    last = board.last_bumped()
    assert last is not None and last.order_id == "b"

    board.apply(event(7, Kind.TICKET_EVENT_KIND_RECALLED, "b", S.TICKET_STATE_QUEUED))
    assert open_ids(board) == ["c", "b"]  # a remake goes to the end of the rail
    last = board.last_bumped()
    assert last is not None and last.order_id == "a"

    board.apply(event(8, Kind.TICKET_EVENT_KIND_VOIDED, "c", S.TICKET_STATE_VOID))
    board.apply(event(9, Kind.TICKET_EVENT_KIND_VOIDED, "a", S.TICKET_STATE_VOID))
    assert open_ids(board) == ["b"]
    assert board.last_bumped() is None  # a voided order cannot be recalled
    assert (board.last_seq, board.duplicates, board.gaps) == (9, 0, 0)


def test_board_drops_duplicates_and_counts_gaps() -> None:
    board = KdsBoard("sh-001", "tea_bar")
    assert board.apply(event(1, Kind.TICKET_EVENT_KIND_ADDED, "a", S.TICKET_STATE_QUEUED))
    assert not board.apply(event(1, Kind.TICKET_EVENT_KIND_BUMPED, "a", S.TICKET_STATE_DONE))
    assert open_ids(board) == ["a"]
    assert board.apply(event(4, Kind.TICKET_EVENT_KIND_ADDED, "b", S.TICKET_STATE_QUEUED))
    assert (board.last_seq, board.duplicates, board.gaps) == (4, 1, 2)


def test_board_starts_from_a_station_board_snapshot() -> None:
    snapshot = kitchen_pb2.StationBoard(store_id="sh-001", station="tea_bar", last_seq=7)
    snapshot.queue.add(ticket_id="x/tea_bar", order_id="x", state=S.TICKET_STATE_STARTED)
    snapshot.queue.add(ticket_id="y/tea_bar", order_id="y", state=S.TICKET_STATE_QUEUED)
    board = KdsBoard("sh-001", "tea_bar")
    board.load(snapshot)
    assert open_ids(board) == ["x", "y"]
    assert not board.apply(event(7, Kind.TICKET_EVENT_KIND_BUMPED, "x", S.TICKET_STATE_DONE))
    board.apply(event(8, Kind.TICKET_EVENT_KIND_BUMPED, "x", S.TICKET_STATE_DONE))
    assert open_ids(board) == ["y"]


def test_board_lists_tickets_in_the_engines_order() -> None:
    board = KdsBoard("sh-001", "tea_bar")
    for seq, order in enumerate("abc", start=1):
        board.apply(event(seq, Kind.TICKET_EVENT_KIND_ADDED, order, S.TICKET_STATE_QUEUED))
    snapshot = kitchen_pb2.StationBoard(last_seq=3)
    for order, due in (("c", 5_000), ("a", 9_000), ("gone", 1_000)):
        snapshot.queue.add(ticket_id=f"{order}/tea_bar", order_id=order, due_at_ms=due)
    board.reorder(snapshot)
    assert open_ids(board) == ["c", "a", "b"]  # the engine's order, then the unranked
    assert board.due_at_ms(board.open["c/tea_bar"]) == 5_000
    board.apply(event(4, Kind.TICKET_EVENT_KIND_ADDED, "d", S.TICKET_STATE_QUEUED))
    board.apply(event(5, Kind.TICKET_EVENT_KIND_BUMPED, "c", S.TICKET_STATE_DONE))
    board.apply(event(6, Kind.TICKET_EVENT_KIND_RECALLED, "c", S.TICKET_STATE_QUEUED))
    assert open_ids(board) == ["a", "b", "d", "c"]  # a snapshot never adds what it lists


def test_item_description_shows_quantity_name_and_modifiers() -> None:
    item = kitchen_pb2.TicketItem(sku="classic_milk_tea", name="经典珍珠奶茶", quantity=2)
    item.modifiers.extend(["large", "pearls"])
    assert describe_item(item) == "2x 经典珍珠奶茶 (large, pearls)"
    bag = kitchen_pb2.TicketItem(line_no=-1, name="order", quantity=1, steps=["bag"])
    assert describe_item(bag) == "order: bag"


def collect(follower: TicketFollower) -> tuple[list[kitchen_pb2.TicketEvent], threading.Thread]:
    seen: list[kitchen_pb2.TicketEvent] = []

    def pump() -> None:
        for ev in follower.events():
            seen.append(ev)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return seen, thread


def wait_for(
    condition: Callable[[], bool], timeout_s: float = 20.0, show: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out; now:\n{show()}"
        time.sleep(0.05)


def test_follower_resumes_across_a_server_restart_without_loss(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    channel = grpc.insecure_channel(server.target)
    try:
        client = Client.connect(server.target)
        follower = TicketFollower(kitchen_pb2_grpc.KitchenServiceStub(channel), "sh-001", "tea_bar")
        seen, thread = collect(follower)
        before = [client.submit(draft(line("classic_milk_tea"))).order_id for _ in range(3)]
        wait_for(lambda: len(seen) == 3)
        client.close()

        server.kill()  # the connection drops hard; the display keeps trying
        wait_for(lambda: follower.state.startswith("reconnecting"))
        server.start()  # same data, same port
        client = Client.connect(server.target)
        client.act("Bump", f"{before[0]}/tea_bar")
        after = [client.submit(draft(line("lemon_black_tea"))).order_id for _ in range(2)]
        wait_for(lambda: len(seen) == 6)
        client.close()

        assert [e.seq for e in seen] == [1, 2, 3, 4, 5, 6]
        assert [e.ticket.order_id for e in seen] == [*before, before[0], *after]
        assert seen[3].kind == Kind.TICKET_EVENT_KIND_BUMPED
        assert follower.reconnects >= 1
        assert follower.state == "live"
        follower.close()
        thread.join(5)
        assert not thread.is_alive()
    finally:
        channel.close()
        server.stop()


def tmux(socket: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-S", socket, *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout


@pytest.fixture
def tmux_socket() -> Iterator[str]:
    """A tmux server of the test's own (its socket in a fresh short folder), killed after."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the terminal KDS cannot be driven")
    with tempfile.TemporaryDirectory(prefix="kds-tmux-") as folder:
        socket = os.path.join(folder, "sock")
        yield socket
        subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=10)


def test_terminal_kds_renders_starts_and_bumps(
    server: ServerProcess, client: Client, tmux_socket: str
) -> None:
    first = client.submit(draft(line("classic_milk_tea", 2, "large", "pearls")))
    command = shlex.join(
        [sys.executable, "-m", "pyengine", "kds", "--station", "tea_bar", "--target", server.target]
    )
    env = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": os.pathsep.join(sys.path)}
    tmux(tmux_socket, "new-session", "-d", "-x", "120", "-y", "30",
         *[f"-e{k}={v}" for k, v in env.items()], command)  # fmt: skip

    def screen() -> str:
        return tmux(tmux_socket, "capture-pane", "-p")

    def rail() -> str:
        """The ticket rows only: not the header, nor the footer (which echoes the last action)."""
        lines = screen().splitlines()
        return "\n".join(ln for ln in lines[2:] if not ln.startswith("[") and ln.strip())

    def shows(text: str, present: bool = True) -> Callable[[], bool]:
        return lambda: (text in rail()) == present

    def row_of(pickup_no: str) -> str:
        return next(ln.split()[0] for ln in rail().splitlines() if pickup_no in ln)

    wait_for(shows(first.pickup_no), show=screen)
    wait_for(lambda: "online" in screen().splitlines()[0], show=screen)
    assert "tea_bar @ sh-001" in screen()
    assert "2x 经典珍珠奶茶 (large, pearls)" in rail()
    assert "counter" in rail()

    tmux(tmux_socket, "send-keys", "s")  # start the (only, selected) ticket
    wait_for(shows("started"), show=screen)
    tmux(tmux_socket, "send-keys", "b")  # and bump it
    wait_for(shows(first.pickup_no, present=False), show=screen)
    tickets = {t.ticket_id: t.state for t in client.get(first.order_id).tickets}
    assert tickets[f"{first.order_id}/tea_bar"] == S.TICKET_STATE_DONE

    second = client.submit(draft(line("jasmine_milk_green"), channel=common_pb2.CHANNEL_MEITUAN))
    wait_for(shows(second.pickup_no), show=screen)
    assert "meituan" in rail()
    tmux(tmux_socket, "send-keys", "r")  # recall the first: back on the screen
    wait_for(shows(first.pickup_no), show=screen)
    # Select by number, bump with Enter: the recalled ticket, then the other one.
    tmux(tmux_socket, "send-keys", row_of(first.pickup_no), "Enter")
    wait_for(shows(first.pickup_no, present=False), show=screen)
    assert second.pickup_no in rail()
    tmux(tmux_socket, "send-keys", "1", "Enter")
    wait_for(shows(second.pickup_no, present=False), show=screen)
    tmux(tmux_socket, "send-keys", "q")
    wait_for(lambda: tmux_session_gone(tmux_socket))


def tmux_session_gone(socket: str) -> bool:
    done = subprocess.run(["tmux", "-S", socket, "has-session"], capture_output=True, timeout=10)
    return done.returncode != 0


def test_display_resyncs_when_the_server_history_restarts(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "old")
    server.start()
    channel = grpc.insecure_channel(server.target)
    request = kitchen_pb2.GetStationBoardRequest(store_id="sh-001", station="tea_bar")
    inbox: queue.Queue[News] = queue.Queue()
    follower = TicketFollower(kitchen_pb2_grpc.KitchenServiceStub(channel), "sh-001", "tea_bar")
    thread = threading.Thread(target=follow_station, args=(follower, request, inbox))
    thread.start()
    try:
        client = Client.connect(server.target)
        for _ in range(3):
            client.submit(draft(line("classic_milk_tea")))
        client.close()
        seen = [inbox.get(timeout=20) for _ in range(3)]
        assert [e.seq for e in seen if isinstance(e, kitchen_pb2.TicketEvent)] == [1, 2, 3]

        server.stop()  # a new, empty data folder behind the same address
        fresh = ServerProcess(tmp_path / "new")
        fresh.port = server.port
        server = fresh
        server.start()
        client = Client.connect(server.target)
        first = client.submit(draft(line("lemon_black_tea"))).order_id
        resync = inbox.get(timeout=20)
        assert isinstance(resync, Resync)
        board = KdsBoard("sh-001", "tea_bar")
        board.load(resync.board)
        second = client.submit(draft(line("jasmine_milk_green"))).order_id
        client.close()
        while second not in open_ids(board):
            news = inbox.get(timeout=20)
            assert isinstance(news, kitchen_pb2.TicketEvent)
            board.apply(news)
        assert open_ids(board) == [first, second]
        assert (board.last_seq, board.gaps, board.duplicates) == (2, 0, 0)
    finally:
        follower.close()
        thread.join(5)
        channel.close()
        server.stop()
    assert not thread.is_alive()
