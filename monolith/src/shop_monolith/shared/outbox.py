"""The transactional outbox: events recorded in the same transaction as the change.

The relay (outbox-relay/, a process of its own) publishes the rows to RabbitMQ; the table's
shape is the contract between the two, documented in outbox-relay/README.md (ADR-0015).
"""

import zlib

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
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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

# The last sequence number given to each aggregate: taking the next one locks the row until
# commit, so one aggregate's events commit one after another, in the order of their ids.
outbox_sequences = Table(
    "outbox_sequences",
    metadata,
    Column("aggregate_type", String(32), primary_key=True),
    Column("aggregate_id", String(64), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)


def record(session: Session, event: DomainEvent) -> None:
    """Add the event to the outbox in the session's transaction (the caller commits)."""
    aggregate_id = str(event.aggregate_id)
    sequence = _next_sequence(session, event.aggregate_type, aggregate_id)
    traceparent = current_traceparent()
    session.execute(
        insert(outbox).values(
            event_id=event.id,
            source=event.source,
            event_type=event.type,
            aggregate_id=aggregate_id,
            sequence=sequence,
            slot=zlib.crc32(aggregate_id.encode()) % SLOTS,
            occurred_at=event.occurred_at,
            traceparent=traceparent,
            body=event.body(sequence=sequence, traceparent=traceparent),
        )
    )


def _next_sequence(session: Session, aggregate_type: str, aggregate_id: str) -> int:
    postgres = session.get_bind().dialect.name == "postgresql"
    upsert = (pg_insert if postgres else sqlite_insert)(outbox_sequences).values(
        aggregate_type=aggregate_type, aggregate_id=aggregate_id, last_sequence=1
    )
    statement = upsert.on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id"],
        set_={"last_sequence": outbox_sequences.c.last_sequence + 1},
    ).returning(outbox_sequences.c.last_sequence)
    return int(session.execute(statement).scalar_one())
