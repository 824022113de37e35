"""Fixtures of the contract suite: the shop under test, and callers of it.

With SHOP_BASE_URL set, the suite tests that running shop (any step, any topology); without
it, it starts the current step's topology itself through the `shop_topology` package.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

# The suite's helper modules (client, problems, spec, samples) are imported by name: pytest's
# `pythonpath` setting in pyproject.toml puts this folder on sys.path.
from client import (
    Customer,
    ShopClient,
    ShopUnderTest,
    admin_client,
    register_customer,
)

HERE = Path(__file__).resolve().parent

READY_TIMEOUT_S = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the whole suite `postgres`: the topology it starts needs the PostgreSQL server."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.postgres)


def _wait_until_ready(base_url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    with httpx.Client(base_url=base_url, timeout=5.0) as http:
        while time.monotonic() < deadline:
            try:
                response = http.get("/readyz")
            except httpx.TransportError as exc:
                last = repr(exc)
            else:
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.5)
    pytest.fail(f"the shop at {base_url} is not ready after {READY_TIMEOUT_S} s: {last}")


@pytest.fixture(scope="session")
def shop() -> Iterator[ShopUnderTest]:
    base_url = os.environ.get("SHOP_BASE_URL")
    if base_url:
        email = os.environ.get("SHOP_ADMIN_EMAIL")
        password = os.environ.get("SHOP_ADMIN_PASSWORD")
        if not email or not password:
            pytest.fail(
                "SHOP_BASE_URL is set, so SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD must be set "
                "too: the contract suite needs that shop's admin account",
                pytrace=False,
            )
        _wait_until_ready(base_url.rstrip("/"))
        yield ShopUnderTest(base_url.rstrip("/"), email, password)
        return

    import shop_topology

    with shop_topology.start(database="postgres") as running:
        yield ShopUnderTest(
            running.base_url.rstrip("/"), running.admin_email, running.admin_password
        )


@pytest.fixture(scope="session")
def http(shop: ShopUnderTest) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    with httpx.Client(base_url=shop.base_url, timeout=20.0, limits=limits) as client:
        yield client


@pytest.fixture(scope="session")
def anon(http: httpx.Client) -> ShopClient:
    """A caller without a token."""
    return ShopClient(http)


@pytest.fixture(scope="session")
def admin(http: httpx.Client, shop: ShopUnderTest) -> ShopClient:
    return admin_client(http, shop.admin_email, shop.admin_password)


@pytest.fixture
def customer(anon: ShopClient) -> Customer:
    """A freshly registered, logged-in customer."""
    return register_customer(anon)


@pytest.fixture
def new_customer(anon: ShopClient) -> Callable[[], Customer]:
    """Registers another fresh customer each time it is called."""
    return lambda: register_customer(anon)
