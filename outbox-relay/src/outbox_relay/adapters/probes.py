# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""Readiness probes: can a fresh connection reach the database and the broker right now?

Each probe opens its own short-lived connection, so the HTTP listener's thread never
touches the connections the relay's loop is using."""

import sqlite3

import psycopg
from kombu.connection import Connection
from psycopg import sql

from outbox_relay.database_url import is_sqlite, libpq_url, sqlite_path


def database_problem(database_url: str, schema: str, timeout: float = 2.0) -> str | None:
    """None when the outbox table can be read, else why not."""
    try:
        if is_sqlite(database_url):
            with sqlite3.connect(sqlite_path(database_url), timeout=timeout) as connection:
                connection.execute("SELECT 1 FROM outbox LIMIT 0")
            connection.close()
        else:
            with psycopg.connect(
                libpq_url(database_url), connect_timeout=max(1, round(timeout))
            ) as pg:
                table = sql.Identifier(schema, "outbox")
                pg.execute(sql.SQL("SELECT 1 FROM {} LIMIT 0").format(table))
    except (psycopg.Error, sqlite3.Error, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def broker_problem(broker_url: str, timeout: float = 2.0) -> str | None:
    """None when the broker accepts a connection, else why not."""
    connection = Connection(broker_url, connect_timeout=timeout)
    try:
        connection.ensure_connection(max_retries=0)  # one try: a probe must answer fast
    except Exception as error:  # any failure at all means "not ready"
        return f"{type(error).__name__}: {error}"
    finally:
        connection.release()
    return None
