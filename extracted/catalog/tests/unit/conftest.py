"""The service bootstrapped on fakes (catalog_fakes.py)."""

import pytest
from catalog_fakes import FakeStore, StepClock
from catalog_http import SECRET

from catalog_service.bootstrap import Catalog, bootstrap
from catalog_service.config import Settings


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def catalog(store: FakeStore) -> Catalog:
    settings = Settings(database_url="sqlite://", secret_key=SECRET)
    return bootstrap(settings, uow=store.uow, clock=StepClock())
