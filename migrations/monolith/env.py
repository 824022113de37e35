"""Alembic environment of the monolith's database: its own schema `monolith` (the version
table, the outbox) and one schema per bounded context (ADR-0014)."""

import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import Engine, text

from shop_monolith.db import SCHEMA, make_engine
from shop_monolith.settings import resolve_database_url
from shop_monolith.tables import CONTEXT_METADATA, METADATA

# The revisions import their helpers (online_ddl) from this directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


OWN_SCHEMAS = {SCHEMA, *CONTEXT_METADATA}
# The outbox relay's own tables: made by revision 0006 from the relay's reference DDL
# (outbox-relay/README.md), read and written only by the relay, so no model of ours maps them.
RELAY_TABLES = {"outbox_dead_letters", "outbox_relays", "outbox_leases"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Only this deployable's schemas: an extracted service's schema has its own environment.
    if type_ != "table":
        return True
    return obj.schema in (*OWN_SCHEMAS, None) and name not in RELAY_TABLES


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
            target_metadata=list(METADATA),
            # On SQLite "monolith" is the main database file (the engine translates it away);
            # Alembic looks the version table up by inspection, which does not translate, so
            # name no schema there.
            version_table_schema=None if on_sqlite else SCHEMA,
            include_schemas=True,
            include_object=include_object,
            # Each revision commits on its own: an online step (ADR-0014) must not wait behind
            # the locks of the one before it.
            transaction_per_migration=True,
            render_as_batch=on_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported; run against a database.")
run_migrations_online()
