"""The outbox's tables, in the monolith's own schema: the contract with the relay.

Their shape is documented in outbox-relay/README.md ("Tables"); the relay's own tables (dead
letters, relays, leases) are made by migration 0006 and mapped by no model of ours.
"""

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
    text,
)

from shop_monolith.shared.orm import schema_metadata

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
