"""Engine and session factory. SQLite stands in for PostgreSQL when no DATABASE_URL is set."""

from functools import partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.tables import CONTEXT_METADATA

SCHEMA = "monolith"  # the deployable's own: Alembic's version table and the outbox


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    if not url.database or url.database == ":memory:":
        raise ValueError("SQLite needs a database file: its schemas are files beside it")
    main = Path(url.database)
    main.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        # The "monolith" schema is the main database; each context's schema is a file of its
        # own beside it, attached under the schema's name (see schema_files).
        execution_options={"schema_translate_map": {SCHEMA: None}},
    )
    event.listen(engine, "connect", partial(_sqlite_setup, files=schema_files(main)))
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def schema_files(main: Path) -> dict[str, Path]:
    """Each context schema's SQLite file: shop.db's catalog lives in shop.catalog.db."""
    return {schema: main.with_suffix(f".{schema}{main.suffix}") for schema in CONTEXT_METADATA}


def _sqlite_setup(dbapi_connection, _record, *, files: dict[str, Path]):  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    for schema, path in files.items():
        cursor.execute("ATTACH DATABASE ? AS ?", (str(path), schema))
    for schema in ("main", *files):
        cursor.execute(f'PRAGMA "{schema}".journal_mode=WAL')
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection):  # type: ignore[no-untyped-def]
    # Take the write lock up front so concurrent checkouts queue instead of failing mid-way;
    # BEGIN IMMEDIATE takes it on every attached schema file, so a checkout still writes alone.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
