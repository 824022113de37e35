"""the catalog service's schema: its catalog, outbox, inbox and ownership record

Categories and products as the service keeps them (a product carries the sequence number of
the event that gave it its state); the outbox the relay publishes, with the relay's own tables
and the NOTIFY trigger (outbox-relay/README.md, "Tables"); the inbox of events applied as a
replica; and the ownership record, which starts with the monolith owning catalog writes: the
cut-over moves it (ADR-0018).

Revision ID: 0001
Revises:
Create Date: 2026-12-05 18:00:00+00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "catalog_service"


def upgrade() -> None:
    _catalog()
    _outbox()
    _relay()
    _inbox_and_ownership()


def _catalog() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="categories_pkey"),
        sa.UniqueConstraint("slug", name="categories_slug_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], [f"{SCHEMA}.categories.id"], name="products_category_id_fkey"
        ),
        sa.PrimaryKeyConstraint("id", name="products_pkey"),
        sa.UniqueConstraint("sku", name="products_sku_key"),
        schema=SCHEMA,
    )
    for name, columns in {
        "ix_products_category_id": ["category_id"],
        "ix_products_active_name": ["active", "name"],
        "ix_products_active_price": ["active", "price_amount"],
        "ix_products_active_created_at": ["active", "created_at"],
    }.items():
        op.create_index(name, "products", columns, schema=SCHEMA)


def _event_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("traceparent", sa.String(length=55), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
    ]


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=True),
            nullable=False,
        ),
        *_event_columns(),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="outbox_pkey"),
        sa.UniqueConstraint("event_id", name="outbox_event_id_key"),
        schema=SCHEMA,
        sqlite_autoincrement=True,
    )
    op.create_index(
        "outbox_unpublished_idx",
        "outbox",
        ["slot", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_index(
        "outbox_published_idx",
        "outbox",
        ["published_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NOT NULL"),
        sqlite_where=sa.text("published_at IS NOT NULL"),
    )
    op.create_table(
        "outbox_sequences",
        sa.Column("aggregate_type", sa.String(length=32), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_type", "aggregate_id", name="outbox_sequences_pkey"),
        schema=SCHEMA,
    )


def _relay() -> None:
    op.create_table(
        "outbox_dead_letters",
        sa.Column("id", sa.BigInteger(), nullable=False),  # the event's outbox id
        *_event_columns(),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="outbox_dead_letters_pkey"),
        sa.UniqueConstraint("event_id", name="outbox_dead_letters_event_id_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox_relays",
        sa.Column("relay_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("relay_id", name="outbox_relays_pkey"),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox_leases",
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("relay_id", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("slot BETWEEN 0 AND 63", name="outbox_leases_slot_range"),
        sa.PrimaryKeyConstraint("slot", name="outbox_leases_pkey"),
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


def _inbox_and_ownership() -> None:
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="inbox_pkey"),
        schema=SCHEMA,
    )
    ownership = op.create_table(
        "ownership",
        sa.Column("singleton", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("singleton = 1", name="ownership_one_row"),
        sa.CheckConstraint("owner IN ('catalog', 'monolith')", name="ownership_owner"),
        sa.PrimaryKeyConstraint("singleton", name="ownership_pkey"),
        schema=SCHEMA,
    )
    first = {"singleton": 1, "owner": "monolith", "changed_at": sa.func.current_timestamp()}
    op.execute(sa.insert(ownership).values(first))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS outbox_notify ON {SCHEMA}.outbox")
        op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.outbox_notify()")
    for table in (
        "ownership", "inbox", "outbox_leases", "outbox_relays", "outbox_dead_letters",
        "outbox_sequences", "outbox", "products", "categories",
    ):
        op.drop_table(table, schema=SCHEMA)
