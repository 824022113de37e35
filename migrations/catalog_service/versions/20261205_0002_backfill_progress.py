"""the backfill's progress: where a copy stopped, so that it resumes there

One row per copy the cut-over runs (`products`): the last id copied, the rows copied so far,
when it started, when it last moved and when it finished (ADR-0018).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 19:00:00+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "catalog_service"


def upgrade() -> None:
    op.create_table(
        "backfill_progress",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.Uuid(), nullable=True),
        sa.Column("copied", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="backfill_progress_pkey"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("backfill_progress", schema=SCHEMA)
