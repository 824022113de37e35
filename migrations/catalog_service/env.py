"""Alembic environment of the catalog service: its one schema `catalog_service`, the version
table inside it (ADR-0018). Run as the service's migration role, never its runtime role:
CATALOG_MIGRATION_DATABASE_URL, else CATALOG_DATABASE_URL."""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Engine, text

from catalog_service.adapters import tables  # noqa: F401  (the outbox, inbox and ownership)
from catalog_service.adapters.database import make_engine
from catalog_service.adapters.orm import SCHEMA, metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The outbox relay's own tables: made by revision 0001 from the relay's reference DDL
# (outbox-relay/README.md) and mapped by no table of ours.
RELAY_TABLES = {"outbox_dead_letters", "outbox_relays", "outbox_leases"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ != "table":
        return True
    return obj.schema in (SCHEMA, None) and name not in RELAY_TABLES


def database_url() -> str:
    url = (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("CATALOG_MIGRATION_DATABASE_URL")
        or os.environ.get("CATALOG_DATABASE_URL")
    )
    if not url:
        raise SystemExit("Set CATALOG_MIGRATION_DATABASE_URL (or CATALOG_DATABASE_URL).")
    return url


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        _migrate(engine)
    finally:
        engine.dispose()


def _migrate(engine: Engine) -> None:
    with engine.connect() as connection:
        on_sqlite = connection.dialect.name == "sqlite"
        if not on_sqlite:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=None if on_sqlite else SCHEMA,
            include_schemas=True,
            include_object=include_object,
            transaction_per_migration=True,
            render_as_batch=on_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported; run against a database.")
run_migrations_online()
