"""The run's database: a fresh PostgreSQL database (dropped on stop) or a SQLite file (kept)."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from shop_topology.errors import TopologyError
from shop_topology.spec import DatabaseSpec

SERVER_URL_VARIABLE = "SHOP_TOPOLOGY_POSTGRES_URL"  # overrides [database] server_url


@dataclass(frozen=True)
class SqliteDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def drop(self) -> None:
        """Kept on purpose: `make up` keeps its data between runs."""


@dataclass(frozen=True)
class PostgresDatabase:
    server_url: str
    name: str

    @property
    def url(self) -> str:
        return _with_database(self.server_url, self.name)

    def drop(self) -> None:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        with _admin_connection(self.server_url) as connection:
            connection.execute(statement.format(sql.Identifier(self.name)))


Database = SqliteDatabase | PostgresDatabase


def provision(kind: str, spec: DatabaseSpec, workdir: Path) -> Database:
    if kind == "sqlite":
        path = (workdir / spec.sqlite_file).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path)
    if kind == "postgres":
        server_url = os.environ.get(SERVER_URL_VARIABLE, spec.server_url)
        return create_postgres(server_url, spec.name_prefix)
    raise TopologyError(f"unknown database kind {kind!r} (use postgres or sqlite)")


def create_postgres(server_url: str, name_prefix: str) -> PostgresDatabase:
    database = PostgresDatabase(server_url, f"{name_prefix}{secrets.token_hex(6)}")
    with _admin_connection(server_url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))
    return database


def postgres_database_exists(server_url: str, name: str) -> bool:
    with _admin_connection(server_url) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return row.fetchone() is not None


def _admin_connection(server_url: str) -> psycopg.Connection[tuple[object, ...]]:
    conninfo = _with_database(server_url, "postgres").replace("+psycopg", "", 1)
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise TopologyError(f"cannot reach PostgreSQL at {server_url}: {error}") from error


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))
