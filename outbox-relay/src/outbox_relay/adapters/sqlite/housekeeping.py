"""Pruning, the backlog's figures and the dead letters, in SQLite."""

from collections.abc import Sequence

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.sqlite.connection import (
    TRANSIENT,
    SqliteConnection,
    canonical_uuid,
    id_list,
    parse_time,
    timestamp,
)
from outbox_relay.domain.model import Backlog, DeadLetter

PRUNE_CHUNK = 5000


class SqliteHousekeeping(SqliteConnection):
    @unavailable_on(*TRANSIENT)
    def prune(self, slots: Sequence[int], older_than_seconds: float) -> int:
        pruned = 0
        while True:
            cursor = self._connection().execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at < ? "
                "AND slot IN (SELECT value FROM json_each(?)) LIMIT ?)",
                (timestamp(plus_seconds=-older_than_seconds), id_list(slots), PRUNE_CHUNK),
            )
            pruned += cursor.rowcount
            if cursor.rowcount < PRUNE_CHUNK:
                return pruned

    @unavailable_on(*TRANSIENT)
    def backlog(self) -> Backlog:
        unpublished, oldest, dead = (
            self._connection()
            .execute(
                "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL), "
                "(SELECT min(occurred_at) FROM outbox WHERE published_at IS NULL), "
                "(SELECT count(*) FROM outbox_dead_letters)"
            )
            .fetchone()
        )
        return Backlog(unpublished, parse_time(oldest) if oldest else None, dead)

    @unavailable_on(*TRANSIENT)
    def dead_letters(self, limit: int) -> list[DeadLetter]:
        rows = self._connection().execute(
            "SELECT id, event_id, source, event_type, aggregate_id, sequence, attempts, error, "
            "dead_lettered_at FROM outbox_dead_letters ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            DeadLetter(i, canonical_uuid(e), s, t, a, q, n, err, parse_time(at))
            for i, e, s, t, a, q, n, err, at in rows.fetchall()
        ]

    @unavailable_on(*TRANSIENT)
    def requeue(self, ids: Sequence[int] | None) -> int:
        chosen = None if ids is None else id_list(ids)  # None: every dead letter
        with self._writing() as connection:
            cursor = connection.execute(
                "INSERT INTO outbox (event_id, source, event_type, aggregate_id, sequence, slot, "
                "occurred_at, traceparent, body) SELECT event_id, source, event_type, "
                "aggregate_id, sequence, slot, occurred_at, traceparent, body "
                "FROM outbox_dead_letters "
                "WHERE (? IS NULL OR id IN (SELECT value FROM json_each(?))) ORDER BY id",
                (chosen, chosen),
            )
            connection.execute(
                "DELETE FROM outbox_dead_letters "
                "WHERE (? IS NULL OR id IN (SELECT value FROM json_each(?)))",
                (chosen, chosen),
            )
        return cursor.rowcount
