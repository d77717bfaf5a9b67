"""Snapshots: a restart restores the newest snapshot and replays only the records after it, and
ends in exactly the state a replay of the whole log gives; a snapshot that does not fit (another
shop, damage) is ignored with a warning and the whole log is replayed."""

from __future__ import annotations

import re
from pathlib import Path

from pyengine import _native, shop
from pyengine.serverproc import ServerProcess
from pyengine.service.server import STOPPED_AT_PREFIX
from pyengine.snapshots import SNAPSHOT_FILE, read
from pyengine.v1 import orders_pb2
from tests.support import Client, draft, line

STOPPED_RE = re.compile(re.escape(STOPPED_AT_PREFIX) + r"(\d+) state ([0-9a-f]+)")
RESTORED_RE = re.compile(r"restored the snapshot at lsn (\d+)")
REPLAYED_RE = re.compile(r"replayed (\d+) records")


def stopped_state(server: ServerProcess) -> tuple[int, str]:
    found = STOPPED_RE.findall("".join(server.output))
    assert found, "".join(server.output)
    lsn, state = found[-1]
    return int(lsn), state


def run_once(data_dir: Path, every: int) -> tuple[ServerProcess, str]:
    """Starts, stops cleanly, and returns the server and its output of that run."""
    server = ServerProcess(data_dir, extra_args=["--snapshot-every", str(every)])
    server.start()
    server.stop()
    return server, "".join(server.output)


def test_restart_restores_the_snapshot_and_replays_only_the_tail(data_dir: Path) -> None:
    server = ServerProcess(data_dir, extra_args=["--snapshot-every", "25"])
    server.start()
    client = Client.connect(server.target)
    answers = [client.submit(draft(line("classic_milk_tea"))) for _ in range(60)]
    before = {a.order_id: client.get(a.order_id) for a in answers}
    client.close()
    snapshot = read(data_dir)
    assert snapshot is not None and snapshot.lsn >= 25
    server.kill()

    server.start()
    client = Client.connect(server.target)
    after = {order_id: client.get(order_id) for order_id in before}
    client.close()
    server.stop()
    output = "".join(server.output)
    restored = RESTORED_RE.findall(output)
    assert restored, output
    lsn, state = stopped_state(server)
    replayed = REPLAYED_RE.findall(output)
    # Only the records after the snapshot were replayed on this start.
    assert replayed and int(replayed[-1]) == lsn - int(restored[-1])
    for order_id, order in before.items():
        assert after[order_id].status == order.status
        assert after[order_id].version == order.version
        assert after[order_id].tickets == order.tickets

    # Without the snapshot, the whole log gives the same state.
    (data_dir / SNAPSHOT_FILE).unlink()
    again, output = run_once(data_dir, 0)
    assert not RESTORED_RE.findall(output)
    assert stopped_state(again) == (lsn, state)


def test_a_damaged_snapshot_is_ignored_and_the_log_replayed(data_dir: Path) -> None:
    server = ServerProcess(data_dir, extra_args=["--snapshot-every", "10"])
    server.start()
    client = Client.connect(server.target)
    for _ in range(15):
        client.submit(draft(line("classic_milk_tea")))
    client.close()
    server.stop()
    expected = stopped_state(server)
    path = data_dir / SNAPSHOT_FILE
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # a flipped byte in the state
    path.write_bytes(bytes(data))
    again, output = run_once(data_dir, 10)
    assert "not using the snapshot" in output or "ignoring the snapshot" in output, output
    assert not RESTORED_RE.findall(output)
    assert stopped_state(again) == expected


def test_a_state_copy_encodes_the_state_of_when_it_was_taken() -> None:
    """The runtime copies the state on its event loop and encodes the copy on a thread while
    the loop goes on changing the state: the encoding is the snapshot and hash of the copy's
    moment, whatever happened since."""
    engine = _native.Engine(shop.load_json(None))
    now = 1_782_000_000_000

    def submit(key: str) -> None:
        order = draft(line("classic_milk_tea"), channel_order_id=key)
        engine.submit_order(orders_pb2.SubmitOrderRequest(order=order).SerializeToString(), now)

    for n in range(5):
        submit(f"before-{n}")
    expected = (engine.state_hash(), engine.snapshot())
    copy = engine.copy_state()
    submit("after")
    assert engine.state_hash() != expected[0]
    assert copy.encode() == expected
    restored = _native.Engine(shop.load_json(None))
    restored.restore(expected[1])
    assert restored.state_hash() == expected[0]
