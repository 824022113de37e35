"""The service's Alembic environment: the mapping and the revisions agree, everything lives
in the schema catalog_service (the version table too), and SQLite serves a quick start."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from catalog_db import ALEMBIC_INI, migrate
from sqlalchemy import Engine, create_engine, inspect, text

from catalog_service.adapters import tables
from catalog_service.adapters.orm import SCHEMA, metadata


def test_the_revisions_build_what_the_tables_describe(database_url: str) -> None:
    config = Config(str(ALEMBIC_INI), ini_section="catalog_service")
    config.set_main_option("sqlalchemy.url", database_url)
    command.check(config)  # raises if autogenerate finds a difference


def test_every_table_and_the_version_table_are_in_the_services_schema(engine: Engine) -> None:
    assert {table.schema for table in metadata.tables.values()} == {SCHEMA}
    assert tables.outbox.schema == SCHEMA
    with engine.connect() as connection:
        found = set(inspect(connection).get_table_names(schema=SCHEMA))
        elsewhere = connection.scalar(
            text(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema NOT IN ('catalog_service', 'pg_catalog', 'information_schema')"
            )
        )
    assert {"alembic_version", *(t.name for t in metadata.tables.values())} <= found
    assert elsewhere == 0


def test_sqlite_gets_the_same_tables_in_one_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    migrate(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = set(inspect(connection).get_table_names())
            owner = connection.scalar(text("SELECT owner FROM ownership"))
    finally:
        engine.dispose()
    assert {t.name for t in metadata.tables.values()} <= found
    assert owner == "monolith"
