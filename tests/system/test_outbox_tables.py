"""The monolith's migrations make every table and column the outbox relay checks for, on
PostgreSQL and on SQLite: the two sides of the outbox contract (outbox-relay/README.md)."""

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def migrated(database_url: str) -> None:
    config = Config(str(ROOT / "migrations" / "alembic.ini"), ini_section="monolith")
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


def relay_check(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["outbox-relay", "check", "--database-url", database_url, "--schema", "monolith"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"shop_outbox_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_the_relay_finds_its_tables_in_the_migrated_postgres_database(postgres_url: str) -> None:
    migrated(postgres_url)
    result = relay_check(postgres_url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_relay_finds_its_tables_in_the_migrated_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrated(url)
    result = relay_check(url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_naming_what_is_missing(tmp_path: Path) -> None:
    """The check itself can fail: a database without the relay's tables is refused."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = relay_check(url)
    assert result.returncode != 0
    assert "outbox" in result.stdout + result.stderr
