"""Engines and sessions: PostgreSQL with the service's schema, or SQLite for a quick start
(the schema's tables in one file, the schema name translated away)."""

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from catalog_service.adapters.orm import SCHEMA


def make_engine(database_url: str, **options: object) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            execution_options={"schema_translate_map": {SCHEMA: None}},
            connect_args={"timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def grant_runtime(migration_url: str, role: str) -> bool:
    """Let `role` (the service's runtime role) use the service's schema: read and write its
    tables, today's and those later revisions make, and nothing else. Run as the migration
    role, which owns the schema. False on SQLite, which has no roles."""
    engine = make_engine(migration_url)
    try:
        if engine.dialect.name != "postgresql":
            return False
        grantee = engine.dialect.identifier_preparer.quote(role)
        with engine.begin() as connection:
            for statement in (
                f"GRANT USAGE ON SCHEMA {SCHEMA} TO {grantee}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA}"
                f" TO {grantee}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {grantee}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA}"
                f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {grantee}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA}"
                f" GRANT USAGE, SELECT ON SEQUENCES TO {grantee}",
            ):
                connection.execute(text(statement))
        return True
    finally:
        engine.dispose()
