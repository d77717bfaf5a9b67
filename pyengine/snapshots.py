"""Snapshots of the core's state beside the event log: restart restores the newest one and
replays only the records after it, instead of the whole log.

A snapshot is taken right after the call that reached its log position (so it holds exactly the
records up to that lsn) and written once that position is durable: a crash can lose a snapshot
but never leaves one ahead of the log. It is used only if it matches what it is restored into:
the same shop configuration, a log that holds its lsn with the same record there, a ticket feed
that has caught up with it, and a state hash that checks out after restoring. Otherwise the log
is replayed from the start, which is always correct; a snapshot is only ever a shortcut.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from pyengine import _native

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "snapshot.bin"
# The file: this magic, a 4-byte big-endian header length, the JSON header, then the core's
# state (msgpack, as `Engine.snapshot` returns it). Another magic means: replay the whole log.
MAGIC = b"PYENGSN1"


@dataclass(frozen=True, slots=True)
class Snapshot:
    lsn: int
    shop_digest: str
    record_digest: str
    state_hash: str
    state: bytes


@dataclass(frozen=True, slots=True)
class Pending:
    """A snapshot taken as a copy of the core's state, not encoded yet: encoding a big state
    takes long enough (a tenth of a second for a few thousand open orders) that the runtime does
    it on a thread, off its event loop."""

    lsn: int
    shop_digest: str
    record_digest: str
    state: _native.StateCopy

    def write(self, data_dir: Path) -> None:
        """Encodes the copy (the GIL released) and writes it as `write` does."""
        state_hash, state = self.state.encode()
        write(
            data_dir,
            Snapshot(self.lsn, self.shop_digest, self.record_digest, state_hash, state),
        )


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def write(data_dir: Path, snapshot: Snapshot) -> None:
    """Replaces the data folder's snapshot atomically (temporary file, fsync, rename)."""
    path = data_dir / SNAPSHOT_FILE
    tmp = path.with_suffix(".tmp")
    header = json.dumps(
        {
            "lsn": snapshot.lsn,
            "shop_digest": snapshot.shop_digest,
            "record_digest": snapshot.record_digest,
            "state_hash": snapshot.state_hash,
        }
    ).encode()
    with tmp.open("wb") as f:
        f.write(MAGIC + struct.pack(">I", len(header)) + header)
        f.write(snapshot.state)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read(data_dir: Path) -> Snapshot | None:
    """The data folder's snapshot, or None (missing, unreadable or of another format)."""
    path = data_dir / SNAPSHOT_FILE
    if not path.exists():
        return None
    try:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            raise ValueError("not a pyengine snapshot")
        (size,) = struct.unpack_from(">I", data, len(MAGIC))
        start = len(MAGIC) + 4
        fields = json.loads(data[start : start + size])
        return Snapshot(
            lsn=int(fields["lsn"]),
            shop_digest=str(fields["shop_digest"]),
            record_digest=str(fields["record_digest"]),
            state_hash=str(fields["state_hash"]),
            state=data[start + size :],
        )
    except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
        # Any damage means: replay the whole log.
        log.warning("ignoring the snapshot %s: %s", path, exc)
        return None
