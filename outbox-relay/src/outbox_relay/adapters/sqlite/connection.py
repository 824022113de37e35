"""The SQLite store's connection, and times written the way SQLAlchemy writes DateTime."""

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from outbox_relay.database_url import sqlite_path

TRANSIENT = (sqlite3.OperationalError,)  # "database is locked" past the busy timeout, I/O


def timestamp(at: datetime | None = None, plus_seconds: float = 0.0) -> str:
    """UTC as 'YYYY-MM-DD HH:MM:SS.ffffff': SQLAlchemy reads it, and strings sort as times."""
    moment = (at or datetime.now(UTC)) + timedelta(seconds=plus_seconds)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def canonical_uuid(stored: str) -> str:
    """SQLAlchemy's Uuid keeps 32 hex digits on SQLite; messages carry the dashed form."""
    return str(uuid.UUID(stored))


def id_list(ids: Iterable[int]) -> str:
    """A list parameter for `IN (SELECT value FROM json_each(?))`: one statement text for
    any number of ids, so nothing is ever formatted into SQL."""
    return json.dumps(list(ids))


class SqliteConnection:
    """Autocommit; writes of more than one statement take the write lock up front."""

    def __init__(self, database_url: str, busy_timeout: float = 30.0) -> None:
        self._path = sqlite_path(database_url)
        self._busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # Not shared at once, but by turns: the relay's database thread and its loop.
            self._conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        return self._conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._reset()
