"""The run's database: a fresh PostgreSQL database (dropped on stop) or a SQLite file (kept)."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from shop_topology.errors import TopologyError
from shop_topology.spec import DatabaseSpec, RoleSpec

SERVER_URL_VARIABLE = "SHOP_TOPOLOGY_POSTGRES_URL"  # overrides [database] server_url


@dataclass(frozen=True)
class SqliteDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def role_url(self, role: RoleSpec) -> str:
        """No roles on SQLite: the role's own file, or the run's."""
        return (
            f"sqlite:///{self.path.with_name(role.sqlite_file)}" if role.sqlite_file else self.url
        )

    def role_name(self, role: RoleSpec) -> str:
        return role.name

    def drop(self) -> None:
        """Kept on purpose: `make up` keeps its data between runs."""


@dataclass(frozen=True)
class PostgresDatabase:
    server_url: str
    name: str
    passwords: tuple[tuple[str, str], ...] = ()  # (role name, password) of the run's roles

    @property
    def url(self) -> str:
        return _with_database(self.server_url, self.name)

    def role_name(self, role: RoleSpec) -> str:
        """`<database>_<role>`: the database's name keeps it unique on the server."""
        return f"{self.name}_{role.name.replace('-', '_')}"

    def role_url(self, role: RoleSpec) -> str:
        name = self.role_name(role)
        password = dict(self.passwords).get(name)
        if password is None:
            raise TopologyError(f"the run made no database role {role.name!r}")
        return _as_user(self.url, name, password)

    def drop(self) -> None:
        """Drop the database, then every role named after it (`<database>_...`), which owned
        nothing anywhere else."""
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        with _admin_connection(self.server_url) as connection:
            connection.execute(statement.format(sql.Identifier(self.name)))
            roles = connection.execute(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", (f"{self.name}_",)
            ).fetchall()
            for (role,) in roles:
                drop_role = sql.SQL("DROP ROLE IF EXISTS {}")
                connection.execute(drop_role.format(sql.Identifier(str(role))))


Database = SqliteDatabase | PostgresDatabase


def provision(kind: str, spec: DatabaseSpec, workdir: Path) -> Database:
    if kind == "sqlite":
        path = (workdir / spec.sqlite_file).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path)
    if kind == "postgres":
        server_url = os.environ.get(SERVER_URL_VARIABLE, spec.server_url)
        return create_postgres(server_url, spec.name_prefix, spec.roles)
    raise TopologyError(f"unknown database kind {kind!r} (use postgres or sqlite)")


def create_postgres(
    server_url: str, name_prefix: str, roles: tuple[RoleSpec, ...] = ()
) -> PostgresDatabase:
    """A new database, and a login role of the run's for each of `roles` (a password each,
    in its URL, for servers that ask for one)."""
    name = f"{name_prefix}{secrets.token_hex(6)}"
    made = PostgresDatabase(server_url, name)
    passwords = tuple((made.role_name(role), secrets.token_hex(16)) for role in roles)
    database = PostgresDatabase(server_url, name, passwords)
    with _admin_connection(server_url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            for role, (role_name, password) in zip(roles, passwords, strict=True):
                _create_role(connection, role, role_name, password, name)
        except psycopg.Error as error:
            database.drop()
            raise TopologyError(f"cannot make the run's database roles: {error}") from error
    return database


def _create_role(
    connection: psycopg.Connection[tuple[object, ...]],
    role: RoleSpec,
    role_name: str,
    password: str,
    database: str,
) -> None:
    create = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}")
    connection.execute(create.format(sql.Identifier(role_name), sql.Literal(password)))
    if role.create:
        grant = sql.SQL("GRANT CREATE ON DATABASE {} TO {}")
        connection.execute(grant.format(sql.Identifier(database), sql.Identifier(role_name)))


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


def _as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))
