"""The service's tables besides the catalog's own: the outbox (the outbox relay's contract,
outbox-relay/README.md "Tables"), the inbox and the ownership record (ADR-0018)."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from catalog_service.adapters.orm import metadata

SLOTS = 64  # as the relay shares them: crc32(aggregate_id) % 64

outbox = Table(
    "outbox",
    metadata,
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
        "outbox_unpublished_idx",
        "slot",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
    Index(
        "outbox_published_idx",
        "published_at",
        postgresql_where=text("published_at IS NOT NULL"),
        sqlite_where=text("published_at IS NOT NULL"),
    ),
    sqlite_autoincrement=True,
)

# The last sequence number of each aggregate known here, whoever wrote it: the owner takes
# the next ones for its events; a replica raises it to each event it applies, so that, when
# ownership moves, the new owner numbers on from where the old one stopped.
outbox_sequences = Table(
    "outbox_sequences",
    metadata,
    Column("aggregate_type", String(32), primary_key=True),
    Column("aggregate_id", String(64), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

# The events applied here as a replica, by id: a redelivered one is skipped.
inbox = Table(
    "inbox",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", String(128), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# One row: which side owns catalog writes now, "catalog" (this service) or "monolith".
ownership = Table(
    "ownership",
    metadata,
    Column("singleton", SmallInteger, primary_key=True, server_default=text("1")),
    Column("owner", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("singleton = 1", name="ownership_one_row"),
    CheckConstraint("owner IN ('catalog', 'monolith')", name="ownership_owner"),
)

# Where each copy of the cut-over's backfill stopped, so that a killed one resumes there.
backfill_progress = Table(
    "backfill_progress",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("last_id", Uuid),
    Column("copied", BigInteger, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)
