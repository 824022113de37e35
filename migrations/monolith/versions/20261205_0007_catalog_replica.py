"""the catalog as a replica: products carry a version, an ownership record and an inbox

Step 3 moves catalog writes to the catalog service; from then on the monolith's catalog tables
are a replica of the service's, kept by its events (ADR-0018). The record says who owns writes
(the monolith, until the cut-over switches it); the inbox keeps the ids of the events applied;
a product's version is the sequence of the event that gave it its state.

Online: the new column has a constant default, which PostgreSQL (11 and later) records in the
catalog without rewriting the table; the ALTER waits for its lock at most LOCK_TIMEOUT_MS at a
time and retries, so reads and writes of products never queue behind it (ADR-0014).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 18:00:00+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from online_ddl import run_briefly

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "catalog"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            run_briefly(
                op.get_bind(),
                [
                    f"ALTER TABLE {SCHEMA}.products"
                    " ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 0"
                ],
            )
    else:
        with op.batch_alter_table("products", schema=SCHEMA) as batch:
            batch.add_column(
                sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)
            )
    ownership = op.create_table(
        "ownership",
        sa.Column("singleton", sa.SmallInteger(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("singleton = 1", name=op.f("ck_ownership_one_row")),
        sa.CheckConstraint(
            "owner IN ('catalog', 'monolith')", name=op.f("ck_ownership_known_owner")
        ),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_ownership")),
        schema=SCHEMA,
    )
    first = {"singleton": 1, "owner": "monolith", "changed_at": sa.func.current_timestamp()}
    op.execute(sa.insert(ownership).values(first))
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("ownership", schema=SCHEMA)
    with op.batch_alter_table("products", schema=SCHEMA) as batch:
        batch.drop_column("version")
