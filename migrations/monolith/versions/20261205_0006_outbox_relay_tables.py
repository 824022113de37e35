"""the outbox relay's own tables: dead letters, relays and their slot leases

What outbox-relay needs beside the outbox (outbox-relay/README.md, "Tables"; ADR-0016): the
events it gave up on, the relays alive, and which relay publishes which of the 64 slots. On
PostgreSQL also a statement trigger that NOTIFYs "monolith.outbox" at each commit that adds
events, so a relay wakes at once instead of at its next poll. New tables only: nothing existing
is locked for longer than the trigger's creation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 17:00:00+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "monolith"


def upgrade() -> None:
    op.create_table(
        "outbox_dead_letters",
        sa.Column("id", sa.BigInteger(), nullable=False),  # the event's outbox id
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("traceparent", sa.String(length=55), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_dead_letters")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_dead_letters_event_id")),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox_relays",
        sa.Column("relay_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("relay_id", name=op.f("pk_outbox_relays")),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox_leases",
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("relay_id", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("slot BETWEEN 0 AND 63", name=op.f("ck_outbox_leases_slot_range")),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_outbox_leases")),
        schema=SCHEMA,
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {SCHEMA}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, '');
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER outbox_notify AFTER INSERT ON {SCHEMA}.outbox
                FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.outbox_notify();
            """
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS outbox_notify ON {SCHEMA}.outbox")
        op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.outbox_notify()")
    op.drop_table("outbox_leases", schema=SCHEMA)
    op.drop_table("outbox_relays", schema=SCHEMA)
    op.drop_table("outbox_dead_letters", schema=SCHEMA)
