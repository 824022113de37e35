"""Parallel checkouts of the last items never oversell; parallel retries never duplicate."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from client import (
    API,
    Customer,
    ShopClient,
    create_product,
    get_stock,
    order_body,
    place_order,
    register_customer,
    set_basket_item,
    stock_movements,
    wait_for_terminal,
)
from problems import assert_any_problem, assert_status, describe

pytestmark = pytest.mark.slow

STOCK = 5
BUYERS = 20


class StockWatcher:
    """Samples a product's stock in the background while the test runs."""

    def __init__(self, admin: ShopClient, product_id: str) -> None:
        self.admin, self.product_id = admin, product_id
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.samples.append(get_stock(self.admin, self.product_id))


def test_parallel_checkouts_of_the_last_items_never_oversell(
    admin: ShopClient, anon: ShopClient
) -> None:
    product = create_product(admin, stock=STOCK)
    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        buyers = list(pool.map(lambda _: register_customer(anon), range(BUYERS)))
        for buyer in buyers:
            set_basket_item(buyer.api, product["id"], 1)

        start = threading.Barrier(BUYERS)

        def checkout(buyer: Customer) -> dict[str, Any]:
            start.wait(timeout=30)
            response = place_order(buyer.api)
            assert_status(response, 201)
            return wait_for_terminal(buyer.api, response.json()["id"])

        with StockWatcher(admin, product["id"]) as watcher:
            orders = list(pool.map(checkout, buyers))

    outcomes = Counter((o["status"], o["rejection_reason"]) for o in orders)
    assert outcomes == {("CONFIRMED", None): STOCK, ("REJECTED", "out_of_stock"): BUYERS - STOCK}
    final = get_stock(admin, product["id"])
    assert (final["on_hand"], final["reserved"], final["available"]) == (0, 0, 0)
    for sample in watcher.samples:
        assert min(sample["on_hand"], sample["reserved"], sample["available"]) >= 0, sample
        assert sample["available"] == sample["on_hand"] - sample["reserved"], sample
    sold = {m["order_id"] for m in stock_movements(admin, product["id"]) if m["kind"] == "SALE"}
    assert sold == {o["id"] for o in orders if o["status"] == "CONFIRMED"}


def test_parallel_retries_with_one_key_place_one_order(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=10)
    set_basket_item(customer.api, product["id"], 2)
    key, body = str(uuid.uuid4()), order_body()
    start = threading.Barrier(5)

    def attempt(_: int) -> Any:
        start.wait(timeout=30)
        return place_order(customer.api, key=key, body=body)

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(attempt, range(5)))

    placed = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(placed) == 1, [describe(r) for r in responses]
    for response in responses:
        if response.status_code != 201:
            # A retry that overlaps the first request may be told to come back later.
            assert_any_problem(response, 409)
    (order_id,) = placed
    order = wait_for_terminal(customer.api, order_id)
    assert order["status"] == "CONFIRMED"
    replay = place_order(customer.api, key=key, body=body)
    assert_status(replay, 201)
    assert replay.json()["id"] == order_id
    assert customer.api.get(f"{API}/orders").json()["total"] == 1
    assert get_stock(admin, product["id"])["on_hand"] == 8
