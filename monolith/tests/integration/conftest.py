"""A fresh PostgreSQL database per test session, migrated with the real Alembic revisions."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.db import make_engine, make_session_factory

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ALEMBIC_INI = Path(__file__).parents[3] / "migrations" / "alembic.ini"

pytestmark = pytest.mark.postgres


def alembic_config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI), ini_section="monolith")
    config.set_main_option("sqlalchemy.url", database_url)
    return config


@contextmanager
def fresh_database(prefix: str = "shop_it_") -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards; yields its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    command.upgrade(alembic_config(pg_url), "head")
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_sessions(pg_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(pg_engine)


@pytest.fixture
def pg_session(pg_sessions: sessionmaker[Session]) -> Iterator[Session]:
    with pg_sessions() as session:
        yield session


def schema_tables(engine: Engine, schema: str) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        )
        return {row[0] for row in rows}
