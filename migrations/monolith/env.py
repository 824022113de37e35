"""Alembic environment of the `monolith` schema: its tables and its own version table."""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Engine, text

from shop_monolith.db import SCHEMA, make_engine
from shop_monolith.settings import resolve_database_url
from shop_monolith.tables import metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Only this environment's schema: other schemas have their own environments.
    schema = getattr(obj, "schema", None) if type_ == "table" else None
    return type_ != "table" or schema in (SCHEMA, None)


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    engine = make_engine(resolve_database_url(url))
    try:
        _migrate(engine)
    finally:
        engine.dispose()


def _migrate(engine: Engine) -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
            connection.commit()
        on_sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=metadata,
            # SQLite has no schemas (the engine translates "monolith" away); Alembic looks the
            # version table up by inspection, which does not translate, so name no schema there.
            version_table_schema=None if on_sqlite else SCHEMA,
            include_schemas=True,
            include_object=include_object,
            render_as_batch=on_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported; run against a database.")
run_migrations_online()
