import uuid

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from shop_monolith.db import SCHEMA, make_engine
from shop_monolith.tables import metadata

from .conftest import ADMIN_URL, alembic_config, schema_tables


def test_head_creates_every_table_and_the_version_table_inside_the_schema(
    pg_engine: Engine,
) -> None:
    tables = schema_tables(pg_engine, SCHEMA)
    assert {t.name for t in metadata.sorted_tables} | {"alembic_version"} == tables
    assert schema_tables(pg_engine, "public") == set()


def test_the_migrations_match_the_models(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "version_table_schema": SCHEMA}
        )
        differences = [
            d for d in compare_metadata(context, metadata) if "alembic_version" not in str(d)
        ]
    assert differences == []


def test_downgrade_to_base_and_back_up() -> None:
    name = f"shop_mig_{uuid.uuid4().hex[:10]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(url)
    try:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert schema_tables(engine, SCHEMA) == {"alembic_version"}
        command.upgrade(config, "head")
        assert "orders" in schema_tables(engine, SCHEMA)
    finally:
        engine.dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


def test_0002_marks_the_money_held_by_cancelled_or_rejected_orders_as_refund_requested() -> None:
    name = f"shop_mig_{uuid.uuid4().hex[:10]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
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
            command.upgrade(config, "head")
            requested = {
                order_id: at is not None
                for order_id, at in db.execute(
                    "SELECT order_id, refund_requested_at FROM monolith.payments"
                )
            }
        assert requested == {ids[pair]: due for pair, due in rows.items()}
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
