"""SqliteOutboxStore: the outbox in a SQLite file, for a single relay beside the writer."""

import sqlite3
import time
from collections.abc import Sequence

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.schema_check import missing_message
from outbox_relay.adapters.sqlite.connection import (
    TRANSIENT,
    canonical_uuid,
    id_list,
    parse_time,
    timestamp,
)
from outbox_relay.adapters.sqlite.housekeeping import SqliteHousekeeping
from outbox_relay.adapters.sqlite.leases import SqliteLeases
from outbox_relay.ddl import REQUIRED
from outbox_relay.domain.model import OutboxEvent, Settlement
from outbox_relay.domain.slots import SLOT_COUNT
from outbox_relay.service_layer.ports import AbstractOutboxStore

CHANGE_CHECK_SECONDS = 0.02  # how often waiting looks for another connection's commit


class SqliteOutboxStore(SqliteLeases, SqliteHousekeeping, AbstractOutboxStore):
    @unavailable_on(*TRANSIENT)
    def prepare(self) -> list[str]:
        connection = self._connection()
        found = {}
        for table in REQUIRED:
            info = connection.execute("SELECT name FROM pragma_table_info(?)", (table,))
            columns = {row[0] for row in info}
            if columns:
                found[table] = columns
        message = missing_message(found, f"SQLite database {self._path}")
        if message is not None:
            raise SystemExit(message)
        connection.executemany(
            "INSERT OR IGNORE INTO outbox_leases (slot) VALUES (?)",
            [(slot,) for slot in range(SLOT_COUNT)],
        )
        return []

    @unavailable_on(*TRANSIENT)
    def fetch_batch(self, slots: Sequence[int], limit: int) -> list[OutboxEvent]:
        # The slots as a JSON parameter: one statement text for any number of them.
        # CAST AS BLOB: the bytes as stored, even where they are not valid UTF-8 (poison).
        rows = self._connection().execute(
            "SELECT id, event_id, source, event_type, slot, occurred_at, traceparent, "
            "CAST(body AS BLOB), attempts FROM outbox WHERE published_at IS NULL "
            "AND slot IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
            (id_list(slots), limit),
        )
        return [
            OutboxEvent(i, canonical_uuid(e), s, t, slot, parse_time(at), tp, body, n)
            for i, e, s, t, slot, at, tp, body, n in rows.fetchall()
        ]

    @unavailable_on(*TRANSIENT)
    def settle(self, settlement: Settlement) -> None:
        now = timestamp()
        with self._writing() as connection:
            connection.executemany(
                "UPDATE outbox SET published_at = ? WHERE id = ?",
                [(now, i) for i in settlement.published],
            )
            connection.executemany(
                "UPDATE outbox SET published_at = ?, last_error = ? WHERE id = ?",
                [(now, reply, i) for i, reply in settlement.returned.items()],
            )
            connection.executemany(
                "UPDATE outbox SET attempts = ?, last_error = ? WHERE id = ?",
                [(f.attempts, f.error, i) for i, f in settlement.refused.items()],
            )
            for i, failure in settlement.dead.items():
                connection.execute(
                    "INSERT INTO outbox_dead_letters SELECT id, event_id, source, event_type, "
                    "aggregate_id, sequence, slot, occurred_at, traceparent, body, ?, ?, ? "
                    "FROM outbox WHERE id = ?",
                    (failure.attempts, failure.error, now, i),
                )
                connection.execute("DELETE FROM outbox WHERE id = ?", (i,))

    @unavailable_on(*TRANSIENT)
    def wait_for_rows(self, timeout: float) -> bool:
        """Watch PRAGMA data_version, which moves when another connection commits."""
        connection = self._connection()
        deadline = time.monotonic() + timeout
        version = _data_version(connection)
        while time.monotonic() < deadline:
            time.sleep(min(CHANGE_CHECK_SECONDS, max(0.0, deadline - time.monotonic())))
            if _data_version(connection) != version:
                return True
        return False


def _data_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("PRAGMA data_version").fetchone()
    return int(row[0])
