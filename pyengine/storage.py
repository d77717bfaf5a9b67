"""Which event store a server uses: SQLite in its data folder (the default, nothing to install) or
PostgreSQL (`--store postgresql://...`, for chains running many engine processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyengine.eventlog import CommitPolicy, Durability, EventLog, EventStore

LOG_FILE = "events.sqlite3"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StorageConfigError(ValueError):
    """The store settings are invalid; the message says which and why."""


@dataclass(frozen=True, slots=True)
class StorageConfig:
    # None: SQLite at <data>/events.sqlite3; "postgresql://...": a PostgreSQL database.
    url: str | None = None
    durability: Durability = "full"
    commit: CommitPolicy = field(default_factory=CommitPolicy)
    # PostgreSQL only: the tables' schema, and how long an owner's lease lasts without a heartbeat.
    pg_schema: str = "pyengine"
    lease_ttl_s: float = 10.0

    def __post_init__(self) -> None:
        if self.url is not None and not self.url.startswith(POSTGRES_SCHEMES):
            raise StorageConfigError(
                f"--store must be a postgresql:// URL (or left out for SQLite), not {self.url!r}"
            )
        if self.url is not None and self.durability != "full":
            raise StorageConfigError(
                "--durability normal is an SQLite setting; PostgreSQL always commits with "
                "synchronous_commit = on"
            )
        if not 0.5 <= self.lease_ttl_s <= 600:
            raise StorageConfigError("--lease-ttl must be between 0.5 and 600 seconds")


def open_event_store(config: StorageConfig, data_dir: Path, store_ids: list[str]) -> EventStore:
    """Opens (and for PostgreSQL, takes ownership of) the event log for these stores."""
    if config.url is None:
        return EventLog(data_dir / LOG_FILE, config.durability, config.commit)
    from pyengine.eventlog_pg import PostgresEventLog  # psycopg only when asked for

    return PostgresEventLog.open(
        config.url,
        store_ids,
        schema=config.pg_schema,
        policy=config.commit,
        lease_ttl_s=config.lease_ttl_s,
    )
