"""Pruning, the backlog's figures and the dead letters, in PostgreSQL."""

from collections.abc import Sequence
from datetime import datetime

from psycopg.rows import args_row

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.postgres.connection import TRANSIENT, PostgresConnection
from outbox_relay.domain.model import Backlog, DeadLetter

PRUNE_CHUNK = 5000  # rows per DELETE: short transactions, no long lock on the table


class PostgresHousekeeping(PostgresConnection):
    @unavailable_on(*TRANSIENT)
    def prune(self, slots: Sequence[int], older_than_seconds: float) -> int:
        pruned = 0
        while True:
            cursor = self._connection().execute(
                self._sql.prune, (older_than_seconds, list(slots), PRUNE_CHUNK)
            )
            pruned += cursor.rowcount
            if cursor.rowcount < PRUNE_CHUNK:
                return pruned

    @unavailable_on(*TRANSIENT)
    def backlog(self) -> Backlog:
        row = self._connection().execute(self._sql.backlog).fetchone()
        assert row is not None
        unpublished, oldest, dead = row
        assert isinstance(unpublished, int) and isinstance(dead, int)
        assert oldest is None or isinstance(oldest, datetime)
        return Backlog(unpublished=unpublished, oldest_occurred_at=oldest, dead_letters=dead)

    @unavailable_on(*TRANSIENT)
    def dead_letters(self, limit: int) -> list[DeadLetter]:
        cursor = self._connection().cursor(row_factory=args_row(DeadLetter))
        return cursor.execute(self._sql.dead_letters, (limit,)).fetchall()

    @unavailable_on(*TRANSIENT)
    def requeue(self, ids: Sequence[int] | None) -> int:
        chosen = None if ids is None else list(ids)
        cursor = self._connection().execute(self._sql.requeue, (chosen, chosen))
        return cursor.rowcount
