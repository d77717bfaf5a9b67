"""Stores split between the worker processes of `pyengine serve --workers N`.

The rule (docs/workers.md): at the first start with N workers, the shop's stores, sorted by id,
are dealt round-robin to workers 0 .. N-1, and the deal is written to `<data>/workers.json`. Every
later start reads it back: a store never moves, because its history is in its worker's event log
(`<data>/worker-<i>-of-<N>/events.sqlite3`). A store added to the shop file later goes to the
worker that has the fewest stores (the lowest index on a tie) and is recorded too. A start with
another N than the folder was written with is refused, naming both: re-dealing would leave a
store's history in a log that its new owner never reads.

With one worker nothing changes: no file is written and the log stays `<data>/events.sqlite3`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyengine.storage import LOG_FILE

WORKERS_FILE = "workers.json"
RULE = "sorted store ids dealt round-robin at the first start; later stores to the smallest worker"


class ShardingError(Exception):
    """The data folder and the asked-for workers do not fit; the message says why and what to do."""


def shard_dir(data_dir: Path, index: int, workers: int) -> Path:
    """The data folder of one worker (its event log, snapshots and lock)."""
    return data_dir / f"worker-{index}-of-{workers}"


@dataclass(frozen=True, slots=True)
class ShardPlan:
    workers: int
    owner: dict[str, int]  # store id -> worker index

    def stores_of(self, index: int) -> list[str]:
        return sorted(store for store, worker in self.owner.items() if worker == index)


def plan_shards(data_dir: Path, store_ids: Sequence[str], workers: int) -> ShardPlan:
    """The stores of each worker for this data folder; records a new deal (or new stores) in
    `workers.json`. Raises ShardingError when the folder was written with another N."""
    if workers < 1:
        raise ShardingError(f"--workers must be 1 or more, not {workers}")
    recorded = read_recorded(data_dir)
    if recorded is None:
        if workers == 1:
            return ShardPlan(1, dict.fromkeys(store_ids, 0))
        if (data_dir / LOG_FILE).exists():
            raise ShardingError(
                f"{data_dir} holds the event log of a one-process server ({LOG_FILE}); "
                f"--workers {workers} would not read it. Restart with --workers 1, or use a new "
                "--data folder"
            )
        if len(store_ids) < workers:
            raise ShardingError(
                f"--workers {workers} but the shop has {len(store_ids)} store(s): every worker "
                "needs at least one store"
            )
        owner = {store: i % workers for i, store in enumerate(sorted(store_ids))}
    else:
        if recorded.workers != workers:
            raise ShardingError(
                f"{data_dir} was written by {recorded.workers} worker(s) and this start asks for "
                f"{workers}: each store's history is in the log of its worker, so the stores "
                f"cannot be re-dealt. Restart with --workers {recorded.workers}"
            )
        owner = dict(recorded.owner)
        for store in sorted(set(store_ids) - owner.keys()):
            sizes = [sum(1 for w in owner.values() if w == i) for i in range(workers)]
            owner[store] = sizes.index(min(sizes))
        if owner == recorded.owner:
            return recorded
    plan = ShardPlan(workers, owner)
    _write(data_dir, plan)
    return plan


def read_recorded(data_dir: Path) -> ShardPlan | None:
    """The deal recorded in the data folder, None when there is none (a one-process folder)."""
    path = data_dir / WORKERS_FILE
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ShardingError(f"{path}: cannot read the workers' store deal: {exc}") from None
    try:
        workers = int(data["workers"])
        owner = {str(store): int(index) for store, index in data["stores"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ShardingError(f"{path}: not a workers' store deal ({exc!r})") from None
    if workers < 1 or any(not 0 <= index < workers for index in owner.values()):
        raise ShardingError(f"{path}: a store's worker is outside 0 .. {workers - 1}")
    return ShardPlan(workers, owner)


def _write(data_dir: Path, plan: ShardPlan) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / WORKERS_FILE
    tmp = path.with_suffix(".tmp")
    body = {"workers": plan.workers, "rule": RULE, "stores": dict(sorted(plan.owner.items()))}
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(body, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)  # atomic: a crash leaves the old deal or the new one, never half


def shop_with_stores(shop_json: str, store_ids: Sequence[str]) -> str:
    """The shop's JSON with only these stores: a worker's core knows no other store, so a call
    for another store is refused by validation before it changes anything."""
    data = json.loads(shop_json)
    keep = set(store_ids)
    data["stores"] = [s for s in data.get("stores", []) if s.get("id") in keep]
    return json.dumps(data, ensure_ascii=False)


def store_of_order(order_id: str) -> str:
    """The store of an order id (`<store_id>-<n>`, the core's format)."""
    return order_id.rsplit("-", 1)[0]


def store_of_ticket(ticket_id: str) -> str:
    """The store of a ticket id (`<order_id>/<station>`)."""
    return store_of_order(ticket_id.split("/", 1)[0])


@dataclass(frozen=True, slots=True)
class Routing:
    """What every worker knows: all workers' addresses, which worker owns which store, and which
    worker it is itself."""

    addresses: tuple[str, ...]
    owner: dict[str, int]
    this_worker: int = 0

    def foreign_owner(self, store_id: str) -> str | None:
        """The address of the store's worker when it is another worker; None when the store is
        this worker's or unknown to the shop (then the core's own error stands)."""
        index = self.owner.get(store_id)
        if index is None or index == self.this_worker:
            return None
        return self.addresses[index]

    def peers(self) -> list[str]:
        return [a for i, a in enumerate(self.addresses) if i != self.this_worker]
