"""The reference DDL of the outbox and the relay's own tables, PostgreSQL and SQLite.

The writer's migration creates these (the README's "Tables" says what each column is for);
`create_tables` runs them for tests, benchmarks and a quick start. The relay itself only
checks at start-up that REQUIRED is there.
"""

import sqlite3

import psycopg

from outbox_relay.database_url import checked_schema, is_sqlite, libpq_url, sqlite_path

OUTBOX_COLUMNS = (
    "id event_id source event_type aggregate_id sequence slot occurred_at traceparent body"
)
REQUIRED: dict[str, tuple[str, ...]] = {
    "outbox": (*OUTBOX_COLUMNS.split(), "published_at", "attempts", "last_error"),
    "outbox_dead_letters": (*OUTBOX_COLUMNS.split(), "attempts", "error", "dead_lettered_at"),
    "outbox_relays": ("relay_id", "started_at", "heartbeat_at", "expires_at"),
    "outbox_leases": ("slot", "relay_id", "expires_at"),
}

# {uuid}, {time}, {text} and {id} stand for each dialect's types.
_EVENT_COLUMNS = """
    event_id     {uuid} NOT NULL UNIQUE,
    source       VARCHAR(64) NOT NULL,
    event_type   VARCHAR(128) NOT NULL,
    aggregate_id VARCHAR(64) NOT NULL,
    sequence     BIGINT NOT NULL,
    slot         SMALLINT NOT NULL,
    occurred_at  {time} NOT NULL,
    traceparent  VARCHAR(55),
    body         TEXT NOT NULL,"""

_TABLES = """
CREATE TABLE IF NOT EXISTS {s}outbox (
    id           {id},{events}
    published_at {time},
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON {s}outbox (slot, id)
    WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published_idx ON {s}outbox (published_at)
    WHERE published_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS {s}outbox_dead_letters (
    id           BIGINT PRIMARY KEY,{events}
    attempts     INTEGER NOT NULL,
    error        TEXT NOT NULL,
    dead_lettered_at {time} NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}outbox_relays (
    relay_id     VARCHAR(128) PRIMARY KEY,
    started_at   {time} NOT NULL,
    heartbeat_at {time} NOT NULL,
    expires_at   {time} NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}outbox_leases (
    slot         SMALLINT PRIMARY KEY CHECK (slot BETWEEN 0 AND 63),
    relay_id     VARCHAR(128),
    expires_at   {time}
);"""

# One notification per inserting statement, delivered at commit, on the channel
# "<schema>.outbox": the relay LISTENs there and wakes at once instead of at its next poll.
_NOTIFY = """
CREATE OR REPLACE FUNCTION {s}outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, '');
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS outbox_notify ON {s}outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON {s}outbox
    FOR EACH STATEMENT EXECUTE FUNCTION {s}outbox_notify();"""


def postgresql_ddl(schema: str) -> str:
    s = f'"{checked_schema(schema)}".'
    types = {"uuid": "UUID", "time": "TIMESTAMPTZ", "s": s}
    tables = _TABLES.format(
        id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        events=_EVENT_COLUMNS.format(**types),
        **types,
    )
    return f'CREATE SCHEMA IF NOT EXISTS "{schema}";{tables}{_NOTIFY.format(s=s)}\n'


def sqlite_ddl() -> str:
    # The types SQLAlchemy gives Uuid (32 hex digits) and DateTime on SQLite; AUTOINCREMENT
    # so that an id is never reused, even after the newest rows are pruned.
    types = {"uuid": "CHAR(32)", "time": "DATETIME", "s": ""}
    tables = _TABLES.format(
        id="INTEGER PRIMARY KEY AUTOINCREMENT", events=_EVENT_COLUMNS.format(**types), **types
    )
    return f"{tables}\n"


def create_tables(database_url: str, schema: str = "public") -> None:
    """Create every table (if missing) in the schema, or in the SQLite file's main database."""
    if is_sqlite(database_url):
        path = sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(sqlite_ddl())
        connection.close()
        return
    with psycopg.connect(libpq_url(database_url), autocommit=True) as postgres:
        postgres.execute(postgresql_ddl(schema).encode())
