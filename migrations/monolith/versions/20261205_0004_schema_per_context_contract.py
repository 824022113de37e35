"""a schema per bounded context, contract: the old names' views go

Revision 0003 left a view under each moved table's old name, for code that still said
`monolith.products` while it was being replaced. Once no such code runs (every process of the
release that knows the context schemas is up), this revision drops them (ADR-0014). A
deployment that rolls out slowly applies 0003, rolls out, then applies 0004.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 15:00:01+00:00

"""

from typing import Sequence, Union

from alembic import op
from online_ddl import relation_exists, run_briefly

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD = "monolith"
HOMES = {  # as in 0003
    "categories": "catalog",
    "products": "catalog",
    "stock_items": "inventory",
    "stock_movements": "inventory",
    "customers": "customers",
    "basket_lines": "basket",
    "orders": "ordering",
    "order_lines": "ordering",
    "idempotency_records": "ordering",
    "payments": "payments",
    "fake_provider_charges": "payments",
}


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return  # no views were made there
    with op.get_context().autocommit_block():
        for table in HOMES:
            run_briefly(op.get_bind(), [f'DROP VIEW IF EXISTS {OLD}."{table}"'])


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    with op.get_context().autocommit_block():
        for table, schema in HOMES.items():
            if not relation_exists(op.get_bind(), f"{OLD}.{table}", kind="v"):
                run_briefly(
                    op.get_bind(),
                    [f'CREATE VIEW {OLD}."{table}" AS SELECT * FROM "{schema}"."{table}"'],
                )
