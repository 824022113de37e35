"""a schema per bounded context, expand: tables move, the old names stay as views

Each context's tables move from the schema `monolith` into a schema of the context's name,
and the foreign keys that crossed between contexts are dropped: contexts refer to each other
by id only (ADR-0014). The basket gets a row of its own to lock at checkout, where it took the
customer's row before.

Online on PostgreSQL: ALTER TABLE ... SET SCHEMA rewrites nothing and holds its lock for
milliseconds; each change runs in a short transaction that never queues behind a long one
(online_ddl.run_briefly). The old names stay behind as views (simple views: reads and writes
pass through), so code that still says `monolith.products` keeps working until revision 0004
drops them, once no such code runs. Every step checks what is already done, so a run stopped
half-way is finished by running it again.

SQLite (the zero-setup store of `make up`) has no schemas: each context's schema is a database
file of its own, attached under its name (shop_monolith.db). Its tables are copied into their
files in one transaction; unqualified names still find them, so no views are needed there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 15:00:00+00:00

"""

import re
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from online_ddl import relation_exists, run_briefly

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD = "monolith"
# Each table and the context that owns it, parents before children.
HOMES = {
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
# The foreign keys that crossed between contexts: table, constraint, column, referred table.
CROSSING = [
    ("basket_lines", "fk_basket_lines_customer_id_customers", "customer_id", "customers"),
    ("basket_lines", "fk_basket_lines_product_id_products", "product_id", "products"),
    ("stock_items", "fk_stock_items_product_id_products", "product_id", "products"),
    ("stock_movements", "fk_stock_movements_product_id_products", "product_id", "products"),
    ("orders", "fk_orders_customer_id_customers", "customer_id", "customers"),
    ("order_lines", "fk_order_lines_product_id_products", "product_id", "products"),
    (
        "idempotency_records",
        "fk_idempotency_records_customer_id_customers",
        "customer_id",
        "customers",
    ),
    ("payments", "fk_payments_order_id_orders", "order_id", "orders"),
]


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _copy_between_sqlite_files(to_contexts=True)
    else:
        with op.get_context().autocommit_block():
            _expand_on_postgres()
    _create_baskets()


def downgrade() -> None:
    op.drop_table("baskets", schema="basket")
    if op.get_context().dialect.name == "sqlite":
        _copy_between_sqlite_files(to_contexts=False)
    else:
        with op.get_context().autocommit_block():
            _undo_on_postgres()


def _create_baskets() -> None:
    op.create_table(
        "baskets",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_baskets")),
        schema="basket",
    )


def _expand_on_postgres() -> None:
    bind = op.get_bind()
    for schema in sorted(set(HOMES.values())):
        run_briefly(bind, [f'CREATE SCHEMA IF NOT EXISTS "{schema}"'])
    for table, constraint, _column, _referred in CROSSING:
        run_briefly(
            bind,
            [f'ALTER TABLE {_where(table)}."{table}" DROP CONSTRAINT IF EXISTS "{constraint}"'],
        )
    for table, schema in HOMES.items():
        if relation_exists(bind, f"{schema}.{table}"):
            continue  # moved by an earlier, interrupted run (the view came with it)
        run_briefly(
            bind,
            [
                f'ALTER TABLE {OLD}."{table}" SET SCHEMA "{schema}"',
                f'CREATE VIEW {OLD}."{table}" AS SELECT * FROM "{schema}"."{table}"',
            ],
        )


def _undo_on_postgres() -> None:
    bind = op.get_bind()
    for table, schema in HOMES.items():
        if not relation_exists(bind, f"{schema}.{table}"):
            continue
        run_briefly(
            bind,
            [
                f'DROP VIEW IF EXISTS {OLD}."{table}"',
                f'ALTER TABLE "{schema}"."{table}" SET SCHEMA {OLD}',
            ],
        )
    for table, constraint, column, referred in CROSSING:
        # NOT VALID takes its lock for a moment; VALIDATE then scans without blocking writes.
        run_briefly(
            bind,
            [
                f'ALTER TABLE {OLD}."{table}" ADD CONSTRAINT "{constraint}" FOREIGN KEY'
                f' ("{column}") REFERENCES {OLD}."{referred}" (id) NOT VALID'
            ],
        )
        run_briefly(bind, [f'ALTER TABLE {OLD}."{table}" VALIDATE CONSTRAINT "{constraint}"'])
    for schema in sorted(set(HOMES.values())):
        run_briefly(bind, [f'DROP SCHEMA IF EXISTS "{schema}"'])


def _where(table: str) -> str:
    """The schema that holds `table` now: its context's if an earlier run moved it."""
    home = HOMES[table]
    return f'"{home}"' if relation_exists(op.get_bind(), f"{home}.{table}") else OLD


_CREATE_TABLE = re.compile(r'^CREATE TABLE\s+"?(\w+)"?', re.IGNORECASE)
_CREATE_INDEX = re.compile(r'^CREATE (UNIQUE )?INDEX\s+"?(\w+)"?', re.IGNORECASE)


def _copy_between_sqlite_files(*, to_contexts: bool) -> None:
    """Move each table between the main file and its context's file: copy, then drop.

    Going to the contexts, the crossing foreign keys are left out of the copies; coming back
    (downgrade), SQLite cannot add them to an existing table, so they stay out.
    """
    bind = op.get_bind()
    for table, schema in HOMES.items():  # parents first, so every copied row finds its parent
        source, target = ("main", schema) if to_contexts else (schema, "main")
        create, indexes = _definition(bind, source, table)
        if to_contexts:
            for _table, constraint, _column, _referred in CROSSING:
                create = re.sub(
                    rf',\s*CONSTRAINT "?{constraint}"?\s+FOREIGN KEY\s*\([^)]*\)\s*'
                    rf'REFERENCES\s+"?\w+"?\s*\([^)]*\)',
                    "",
                    create,
                )
        bind.exec_driver_sql(_CREATE_TABLE.sub(rf'CREATE TABLE "{target}".\1', create))
        bind.exec_driver_sql(f'INSERT INTO "{target}"."{table}" SELECT * FROM "{source}"."{table}"')
        for index in indexes:
            bind.exec_driver_sql(_CREATE_INDEX.sub(rf'CREATE \1INDEX "{target}".\2', index))
    for table, schema in reversed(HOMES.items()):  # children first, as foreign keys require
        source = "main" if to_contexts else schema
        bind.exec_driver_sql(f'DROP TABLE "{source}"."{table}"')


def _definition(bind: sa.Connection, schema: str, table: str) -> tuple[str, list[str]]:
    rows = bind.exec_driver_sql(
        f'SELECT type, sql FROM "{schema}".sqlite_master'
        " WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC",
        (table,),
    ).all()
    create = [sql for kind, sql in rows if kind == "table"]
    if len(create) != 1:
        raise RuntimeError(f"no table {schema}.{table} to move")
    return create[0], [sql for kind, sql in rows if kind == "index"]
