"""PostgresOutboxStore: the outbox in a PostgreSQL schema, read and written by psycopg 3."""

from collections.abc import Sequence
from typing import Any

from psycopg.rows import args_row
from psycopg.sql import Composed

from outbox_relay.adapters.errors import unavailable_on
from outbox_relay.adapters.postgres.connection import TRANSIENT
from outbox_relay.adapters.postgres.housekeeping import PostgresHousekeeping
from outbox_relay.adapters.postgres.leases import PostgresLeases
from outbox_relay.adapters.schema_check import missing_message
from outbox_relay.domain.model import OutboxEvent, Settlement
from outbox_relay.service_layer.ports import AbstractOutboxStore


class PostgresOutboxStore(PostgresLeases, PostgresHousekeeping, AbstractOutboxStore):
    @unavailable_on(*TRANSIENT)
    def prepare(self) -> list[str]:
        connection = self._connection()
        found: dict[str, set[str]] = {}
        for table, column in connection.execute(self._sql.columns, (self._schema,)):
            found.setdefault(str(table), set()).add(str(column))
        message = missing_message(found, f'PostgreSQL schema "{self._schema}"')
        if message is not None:
            raise SystemExit(message)
        connection.execute(self._sql.add_lease_rows)
        row = connection.execute(self._sql.notify_triggers, (self._sql.outbox_name,)).fetchone()
        self._listening()
        if row is None or row[0] == 0:
            return [
                f'no trigger on "{self._schema}".outbox: new rows are found by polling only; '
                "add the NOTIFY trigger of the reference DDL for low lag"
            ]
        return []

    @unavailable_on(*TRANSIENT)
    def fetch_batch(self, slots: Sequence[int], limit: int) -> list[OutboxEvent]:
        # Notifications up to now are answered by this very fetch; only later ones wake us.
        for _ in self._listening().notifies(timeout=0):
            pass
        cursor = self._connection().cursor(binary=True, row_factory=args_row(OutboxEvent))
        return cursor.execute(self._sql.fetch, (list(slots), limit, limit)).fetchall()

    @unavailable_on(*TRANSIENT)
    def settle(self, settlement: Settlement) -> None:
        sql = self._sql
        steps: list[tuple[Composed, tuple[Any, ...]]] = []
        if settlement.published:
            steps.append((sql.mark_published, (settlement.published,)))
        if returned := settlement.returned:
            steps.append((sql.mark_returned, (list(returned), list(returned.values()))))
        for statement, failures in (
            (sql.mark_refused, settlement.refused),
            (sql.dead_letter, settlement.dead),
        ):
            if failures:
                errors = [failure.error for failure in failures.values()]
                attempts = [failure.attempts for failure in failures.values()]
                steps.append((statement, (list(failures), errors, attempts)))
        connection = self._connection()
        if len(steps) == 1:  # the usual batch: one UPDATE, one round trip
            connection.execute(*steps[0])
            return
        with connection.transaction():
            for statement, params in steps:
                connection.execute(statement, params)

    @unavailable_on(*TRANSIENT)
    def wait_for_rows(self, timeout: float) -> bool:
        for _ in self._listening().notifies(timeout=timeout, stop_after=1):
            return True
        return False
