"""Heartbeats and slot leases in PostgreSQL, timed by the database's clock."""

from collections.abc import Sequence

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.postgres.connection import TRANSIENT, PostgresConnection


class PostgresLeases(PostgresConnection):
    """The lease half of the store: each call one short transaction."""

    @unavailable_on(*TRANSIENT)
    def heartbeat(self, relay_id: str, ttl: float) -> list[str]:
        connection = self._connection()
        with connection.transaction():
            connection.execute(self._sql.heartbeat, (relay_id, ttl))
            connection.execute(self._sql.forget_expired)
            rows = connection.execute(self._sql.live_relays).fetchall()
        return [str(row[0]) for row in rows]

    @unavailable_on(*TRANSIENT)
    def renew_leases(self, relay_id: str, ttl: float) -> list[int]:
        rows = self._connection().execute(self._sql.renew, (ttl, relay_id)).fetchall()
        return [int(str(row[0])) for row in rows]

    @unavailable_on(*TRANSIENT)
    def claim_leases(self, relay_id: str, ttl: float, count: int) -> list[int]:
        rows = self._connection().execute(self._sql.claim, (relay_id, ttl, count)).fetchall()
        return [int(str(row[0])) for row in rows]

    @unavailable_on(*TRANSIENT)
    def release_leases(self, relay_id: str, slots: Sequence[int]) -> None:
        self._connection().execute(self._sql.release, (relay_id, list(slots)))

    @unavailable_on(*TRANSIENT)
    def leave(self, relay_id: str) -> None:
        connection = self._connection()
        with connection.transaction():
            connection.execute(self._sql.release_all, (relay_id,))
            connection.execute(self._sql.forget, (relay_id,))
