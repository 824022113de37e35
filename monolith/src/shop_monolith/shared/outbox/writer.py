"""Recording events: kept with the session, written when its transaction commits (ADR-0015)."""

import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.outbox.tables import SLOTS, outbox, outbox_sequences
from shop_monolith.shared.tracing import current_traceparent


def record(session: Session, event: DomainEvent) -> None:
    """Add the event to the outbox in the session's transaction: it is written, with the
    others of the transaction, when the transaction commits, and never if it rolls back."""
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    pending: list[Pending] = session.info.setdefault(_PENDING, [])
    pending.append(Pending(transaction, event, current_traceparent()))


@dataclass(frozen=True)
class Pending:
    transaction: SessionTransaction  # the innermost one it was recorded in
    event: DomainEvent
    traceparent: str | None


_PENDING = "shop_monolith.outbox.pending"


@sqlalchemy_event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its events wait for the transaction's own commit
    pending: list[Pending] = session.info.pop(_PENDING, [])
    if pending:
        _write(session, pending)


@sqlalchemy_event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending: list[Pending] = session.info.get(_PENDING, [])
    session.info[_PENDING] = [p for p in pending if not _inside(p.transaction, previous)]


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _write(session: Session, pending: list[Pending]) -> None:
    """Two statements for the whole transaction: take each aggregate's next sequence numbers
    (locking its row until commit, in one order), then insert every event in recorded order."""
    counts = Counter((p.event.aggregate_type, str(p.event.aggregate_id)) for p in pending)
    next_number = {key: last - counts[key] + 1 for key, last in _advance(session, counts).items()}
    rows = []
    for item in pending:
        event, aggregate_id = item.event, str(item.event.aggregate_id)
        key = (event.aggregate_type, aggregate_id)
        sequence, next_number[key] = next_number[key], next_number[key] + 1
        rows.append(
            {
                "event_id": event.id,
                "source": event.source,
                "event_type": event.type,
                "aggregate_id": aggregate_id,
                "sequence": sequence,
                "slot": zlib.crc32(aggregate_id.encode()) % SLOTS,
                "occurred_at": event.occurred_at,
                "traceparent": item.traceparent,
                "body": event.body(sequence=sequence, traceparent=item.traceparent),
            }
        )
    session.execute(insert(outbox), rows)  # one statement for all rows (insertmanyvalues)


def _advance(session: Session, counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Add each aggregate's count to its last sequence number; answers the new last ones."""
    rows = [
        {"aggregate_type": kind, "aggregate_id": key, "last_sequence": counts[(kind, key)]}
        for kind, key in sorted(counts)  # one locking order for every writer: no deadlock
    ]
    statement = _ADVANCE[session.get_bind().dialect.name]
    return {(kind, key): int(last) for kind, key, last in session.execute(statement, rows)}


def _advance_statement(insert: Callable[[Table], Any]) -> Any:
    """Built once per dialect, so that SQLAlchemy compiles it once and runs every call's rows
    as one statement (insertmanyvalues), in the order given."""
    upsert = insert(outbox_sequences)
    return upsert.on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id"],
        set_={"last_sequence": outbox_sequences.c.last_sequence + upsert.excluded.last_sequence},
    ).returning(
        outbox_sequences.c.aggregate_type,
        outbox_sequences.c.aggregate_id,
        outbox_sequences.c.last_sequence,
        sort_by_parameter_order=True,
    )


_ADVANCE = {
    "postgresql": _advance_statement(pg_insert),
    "sqlite": _advance_statement(sqlite_insert),
}
