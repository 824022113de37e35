"""The monolith keeps selling while the catalog service is down (ADR-0019): checkouts run in
a loop while catalog-http and catalog-events are killed with SIGKILL, and every checkout
completes, with the products the monolith's replica knows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from client import (
    API,
    ShopClient,
    admin_client,
    checkout,
    create_product,
    register_customer,
    set_basket_item,
)

import shop_topology

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BEFORE_S, DOWN_S = 3.0, 8.0  # checkouts before the kill, and while the service is down


@dataclass
class Outcomes:
    statuses: list[tuple[float, str]] = field(default_factory=list)  # (when, order status)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[shop_topology.RunningTopology]:
    with shop_topology.start(database="postgres", workdir=tmp_path_factory.mktemp("down")) as shop:
        yield shop


def checkouts(base_url: str, products: list[str], stop: threading.Event, out: Outcomes) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        customer = register_customer(ShopClient(http))
        number = 0
        while not stop.is_set():
            try:
                set_basket_item(customer.api, products[number % len(products)], 1)
                order = checkout(customer.api)
                out.statuses.append((time.monotonic(), order["status"]))
            except (AssertionError, httpx.HTTPError) as error:
                out.errors.append(f"{type(error).__name__}: {error}"[:500])
            number += 1


def test_every_checkout_completes_while_the_catalog_service_is_down(
    shop: shop_topology.RunningTopology,
) -> None:
    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        admin = admin_client(http, shop.admin_email, shop.admin_password)
        products = [create_product(admin, price=500 + n, stock=1_000)["id"] for n in range(3)]
    time.sleep(1.0)  # their events reach the monolith's replica
    stop, out = threading.Event(), Outcomes()
    loops = [
        threading.Thread(target=checkouts, args=(shop.base_url, products, stop, out))
        for _ in range(2)
    ]
    for loop in loops:
        loop.start()
    time.sleep(BEFORE_S)
    killed_at = time.monotonic()
    for name in ("catalog-http", "catalog-events"):
        shop.processes[name].process.kill()
    time.sleep(DOWN_S)
    stop.set()
    for loop in loops:
        loop.join(60)

    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        assert http.get(f"{API}/products").status_code >= 500  # the service is down indeed
    during = [status for when, status in out.statuses if when > killed_at + 0.5]
    assert out.errors == [], out.errors[:5]
    assert len(during) >= 5, f"only {len(during)} checkouts while the service was down"
    assert set(status for _, status in out.statuses) == {"CONFIRMED"}, out.statuses
