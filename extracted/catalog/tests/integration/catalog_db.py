"""Helpers of the catalog service's integration tests: fresh databases and the owner."""

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ALEMBIC_INI = Path(__file__).resolve().parents[4] / "migrations" / "alembic.ini"
SECRET = "catalog-integration-tests-signing-key-0123"


def migrate(database_url: str, revision: str = "head") -> None:
    config = Config(str(ALEMBIC_INI), ini_section="catalog_service")
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, revision)


@contextmanager
def fresh_database(prefix: str = "catalog_it_") -> Iterator[str]:
    """An empty database of its own, dropped afterwards; yields its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_owner(engine: Engine, owner: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE catalog_service.ownership SET owner = :o"), {"o": owner})


BROKER = "amqp://guest:guest@127.0.0.1:5672"


@contextmanager
def fresh_vhost(prefix: str = "catalog_it_") -> Iterator[str]:
    """A RabbitMQ vhost of its own (made with rabbitmqctl), deleted afterwards; yields its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"{BROKER}/{name}"
    finally:
        rabbitmqctl("delete_vhost", name)


def rabbitmqctl(*arguments: str) -> None:
    subprocess.run(["rabbitmqctl", *arguments], check=True, capture_output=True, timeout=60)
