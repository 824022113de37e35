import uuid

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from shop_monolith.db import SCHEMA, make_engine, schema_files
from shop_monolith.tables import CONTEXT_METADATA, METADATA

from .conftest import alembic_config, fresh_database, schema_tables

RELAY_TABLES = {"outbox_dead_letters", "outbox_relays", "outbox_leases"}  # outbox-relay's own


def test_head_puts_each_context_in_its_own_schema(pg_engine: Engine) -> None:
    for schema, metadata in CONTEXT_METADATA.items():
        assert schema_tables(pg_engine, schema) == {t.name for t in metadata.tables.values()}
    assert schema_tables(pg_engine, SCHEMA) == {
        "alembic_version",
        "outbox",
        "outbox_sequences",
        *RELAY_TABLES,
    }
    assert schema_tables(pg_engine, "public") == set()


def test_the_migrations_match_the_models(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "version_table_schema": SCHEMA}
        )
        differences = compare_metadata(context, list(METADATA))
    # Alembic's own table, and the relay's, which no model of ours maps (revision 0006).
    unmapped = {"alembic_version", *RELAY_TABLES}
    assert [d for d in differences if not (d[0] == "remove_table" and d[1].name in unmapped)] == []


def test_downgrade_to_base_and_back_up() -> None:
    with fresh_database("shop_mig_") as url:
        engine = make_engine(url)
        try:
            config = alembic_config(url)
            command.upgrade(config, "head")
            command.downgrade(config, "base")
            assert schema_tables(engine, SCHEMA) == {"alembic_version"}
            assert all(schema_tables(engine, schema) == set() for schema in CONTEXT_METADATA)
            command.upgrade(config, "head")
            assert "orders" in schema_tables(engine, "ordering")
        finally:
            engine.dispose()


def test_sqlite_upgrades_once_and_then_knows_it_is_at_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.upgrade(config, "head")  # a second run must be a no-op, not a re-creation
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        assert current == ScriptDirectory.from_config(config).get_current_head()
    finally:
        engine.dispose()
    assert all(path.exists() for path in schema_files(tmp_path / "shop.db").values())


def test_0002_marks_the_money_held_by_cancelled_or_rejected_orders_as_refund_requested() -> None:
    with fresh_database("shop_mig_") as url:
        config = alembic_config(url)
        command.upgrade(config, "0001")
        rows = {  # order status, payment status -> whether its refund is then requested
            ("CANCELLED", "CAPTURED"): True,
            ("CANCELLED", "REFUNDED"): True,
            ("REJECTED", "CAPTURED"): True,
            ("REJECTED", "DECLINED"): False,
            ("CONFIRMED", "CAPTURED"): False,
        }
        ids = {pair: uuid.uuid4() for pair in rows}
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as db:
            customer = uuid.uuid4()
            db.execute(
                "INSERT INTO monolith.customers (id, email, name, password_hash, role,"
                " created_at, updated_at) VALUES (%s, 'a@example.com', 'A', 'x', 'customer',"
                " now(), now())",
                (customer,),
            )
            for (order_status, payment_status), order_id in ids.items():
                db.execute(
                    "INSERT INTO monolith.orders (id, customer_id, status, total_amount, currency,"
                    " shipping_address, created_at, updated_at)"
                    " VALUES (%s, %s, %s, 100, 'EUR', '{}', now(), now())",
                    (order_id, customer, order_status),
                )
                db.execute(
                    "INSERT INTO monolith.payments (order_id, status, amount, currency, card_last4,"
                    " attempted_at) VALUES (%s, %s, 100, 'EUR', '4242', now())",
                    (order_id, payment_status),
                )
            command.upgrade(config, "0002")
            requested = {
                order_id: at is not None
                for order_id, at in db.execute(
                    "SELECT order_id, refund_requested_at FROM monolith.payments"
                )
            }
        assert requested == {ids[pair]: due for pair, due in rows.items()}
