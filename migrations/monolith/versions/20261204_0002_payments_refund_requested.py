"""payments own their refunds: refund_requested_at, and an index for settling

Ordering no longer joins payments to orders to find the money to settle (ADR-0013): a
payment records that its refund was asked for, and settlement reads payments alone.
Online-safe: the column is nullable (no table rewrite), the backfill touches only the rows
of cancelled or rejected orders still holding money, and on PostgreSQL the index is built
CONCURRENTLY, outside a transaction, so neither blocks writes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 21:10:00+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _schema() -> str | None:
    """SQLite has no schemas; Alembic's ALTER statements are not translated, so name none."""
    return None if op.get_context().dialect.name == "sqlite" else "monolith"


def upgrade() -> None:
    schema = _schema()
    prefix = f"{schema}." if schema else ""
    with op.batch_alter_table("payments", schema=schema) as batch:
        batch.add_column(sa.Column("refund_requested_at", sa.DateTime(timezone=True), nullable=True))
    # Money held by an order that keeps none was a refund due: say so on the payment.
    op.execute(
        sa.text(
            f"UPDATE {prefix}payments SET refund_requested_at = ("
            f" SELECT o.updated_at FROM {prefix}orders o WHERE o.id = payments.order_id)"
            " WHERE status IN ('CAPTURED', 'REFUNDED') AND order_id IN ("
            f" SELECT id FROM {prefix}orders WHERE status IN ('CANCELLED', 'REJECTED'))"
        )
    )
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_payments_status_attempted",
                "payments",
                ["status", "attempted_at"],
                schema="monolith",
                postgresql_concurrently=True,
                if_not_exists=True,
            )
    else:
        op.create_index(
            "ix_payments_status_attempted", "payments", ["status", "attempted_at"], schema=schema
        )


def downgrade() -> None:
    schema = _schema()
    op.drop_index("ix_payments_status_attempted", table_name="payments", schema=schema)
    with op.batch_alter_table("payments", schema=schema) as batch:
        batch.drop_column("refund_requested_at")
