"""The transactional outbox: events recorded in the same transaction as the change.

The relay (outbox-relay/, a process of its own) publishes the rows to RabbitMQ; the table's
shape is the contract between the two, documented in outbox-relay/README.md (ADR-0015).
"""

import zlib
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    insert,
    text,
)
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.orm import schema_metadata
from shop_monolith.shared.tracing import current_traceparent

SLOTS = 64  # the relays share the outbox by slot; one aggregate's events share one slot

metadata = schema_metadata("monolith")

outbox = Table(
    "outbox",
    metadata,
    # Integer on SQLite: only an INTEGER PRIMARY KEY is the rowid, which AUTOINCREMENT keeps
    # from reuse; ids must only grow, since the relay publishes each slot in id order.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("source", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("slot", SmallInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("traceparent", String(55)),
    Column("body", Text, nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index(
        "ix_outbox_unpublished",
        "slot",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
    Index(
        "ix_outbox_published_at",
        "published_at",
        postgresql_where=text("published_at IS NOT NULL"),
        sqlite_where=text("published_at IS NOT NULL"),
    ),
    sqlite_autoincrement=True,
)

# The last sequence number given to each aggregate: taking the next ones locks the row until
# commit, so one aggregate's events commit one after another, in the order of their ids.
outbox_sequences = Table(
    "outbox_sequences",
    metadata,
    Column("aggregate_type", String(32), primary_key=True),
    Column("aggregate_id", String(64), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)


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
    session.execute(insert(outbox).values(rows))


def _advance(session: Session, counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Add each aggregate's count to its last sequence number; answers the new last ones."""
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = [
        {"aggregate_type": kind, "aggregate_id": key, "last_sequence": counts[(kind, key)]}
        for kind, key in sorted(counts)  # one locking order for every writer: no deadlock
    ]
    upsert = (pg_insert if postgres else sqlite_insert)(outbox_sequences).values(rows)
    statement = upsert.on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id"],
        set_={"last_sequence": outbox_sequences.c.last_sequence + upsert.excluded.last_sequence},
    ).returning(
        outbox_sequences.c.aggregate_type,
        outbox_sequences.c.aggregate_id,
        outbox_sequences.c.last_sequence,
    )
    return {(kind, key): int(last) for kind, key, last in session.execute(statement)}
