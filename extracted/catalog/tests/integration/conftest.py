"""A fresh PostgreSQL database per test module, migrated by the service's own Alembic
environment, and the service bootstrapped on it (helpers in catalog_db.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_db import SECRET, fresh_database, migrate, set_owner
from sqlalchemy import Engine

from catalog_service.adapters.database import make_engine
from catalog_service.bootstrap import Catalog, bootstrap
from catalog_service.config import Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        migrate(url)
        yield url


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def catalog(database_url: str, engine: Engine) -> Iterator[Catalog]:
    """The service on the database, owning catalog writes (set back after the test)."""
    set_owner(engine, "catalog")
    service = bootstrap(Settings(database_url=database_url, secret_key=SECRET))
    yield service
    service.close()
    set_owner(engine, "catalog")
