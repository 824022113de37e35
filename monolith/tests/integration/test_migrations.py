import uuid

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
            assert MigrationContext.configure(connection).get_current_revision() == "0001"
    finally:
        engine.dispose()
