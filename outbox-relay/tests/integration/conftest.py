"""A PostgreSQL database for the session, a schema and a SQLite file per test, unique names
on RabbitMQ per test; all removed afterwards."""

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from relay_broker import delete_exchange
from relay_harness import postgres_database

from outbox_relay.ddl import create_tables


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def pg_schema(pg_database: str) -> Iterator[tuple[str, str]]:
    """(database URL, schema): a fresh schema with the reference tables."""
    schema = f"relay_{uuid.uuid4().hex[:8]}"
    create_tables(pg_database, schema)
    yield pg_database, schema
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    url = f"sqlite:///{tmp_path}/outbox.db"
    create_tables(url)
    return url


@pytest.fixture
def source() -> Iterator[str]:
    """A source of its own, so its exchange `<source>.events` is this test's alone."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    delete_exchange(f"{name}.events")
