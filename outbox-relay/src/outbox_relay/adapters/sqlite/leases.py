"""Heartbeats and slot leases in SQLite, timed by this process's clock."""

from collections.abc import Sequence

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.sqlite.connection import (
    TRANSIENT,
    SqliteConnection,
    id_list,
    timestamp,
)


class SqliteLeases(SqliteConnection):
    @unavailable_on(*TRANSIENT)
    def heartbeat(self, relay_id: str, ttl: float) -> list[str]:
        now = timestamp()
        with self._writing() as connection:
            connection.execute(
                "INSERT INTO outbox_relays (relay_id, started_at, heartbeat_at, expires_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (relay_id) DO UPDATE SET "
                "heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at",
                (relay_id, now, now, timestamp(plus_seconds=ttl)),
            )
            connection.execute("DELETE FROM outbox_relays WHERE expires_at < ?", (now,))
            rows = connection.execute("SELECT relay_id FROM outbox_relays").fetchall()
        return [row[0] for row in rows]

    @unavailable_on(*TRANSIENT)
    def renew_leases(self, relay_id: str, ttl: float) -> list[int]:
        rows = self._connection().execute(
            "UPDATE outbox_leases SET expires_at = ? WHERE relay_id = ? RETURNING slot",
            (timestamp(plus_seconds=ttl), relay_id),
        )
        return [row[0] for row in rows.fetchall()]

    @unavailable_on(*TRANSIENT)
    def claim_leases(self, relay_id: str, ttl: float, count: int) -> list[int]:
        rows = self._connection().execute(
            "UPDATE outbox_leases SET relay_id = ?, expires_at = ? WHERE slot IN "
            "(SELECT slot FROM outbox_leases WHERE relay_id IS NULL OR expires_at < ? "
            "ORDER BY slot LIMIT ?) RETURNING slot",
            (relay_id, timestamp(plus_seconds=ttl), timestamp(), count),
        )
        return [row[0] for row in rows.fetchall()]

    @unavailable_on(*TRANSIENT)
    def release_leases(self, relay_id: str, slots: Sequence[int]) -> None:
        self._connection().execute(
            "UPDATE outbox_leases SET relay_id = NULL, expires_at = NULL "
            "WHERE relay_id = ? AND slot IN (SELECT value FROM json_each(?))",
            (relay_id, id_list(slots)),
        )

    @unavailable_on(*TRANSIENT)
    def leave(self, relay_id: str) -> None:
        with self._writing() as connection:
            connection.execute(
                "UPDATE outbox_leases SET relay_id = NULL, expires_at = NULL WHERE relay_id = ?",
                (relay_id,),
            )
            connection.execute("DELETE FROM outbox_relays WHERE relay_id = ?", (relay_id,))
