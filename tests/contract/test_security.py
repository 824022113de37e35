"""Who may do what: tokens on protected routes, the admin role, and customers' privacy.

The route lists come from openapi.yaml, so an operation added to the contract is covered
here without a change to this file.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spec
from client import (
    API,
    Customer,
    ShopClient,
    buy,
    cancel_order,
    create_product,
    get_basket,
    get_order,
    set_basket_item,
)
from problems import assert_problem, assert_status
from samples import send

PROTECTED = spec.select(secured=True)
ADMIN_ONLY = spec.select(admin_only=True)


def test_the_route_lists_are_read_from_the_contract() -> None:
    assert len(PROTECTED) >= 15, [str(op) for op in PROTECTED]
    assert len(ADMIN_ONLY) >= 10, [str(op) for op in ADMIN_ONLY]
    assert all(op.secured for op in ADMIN_ONLY), "an admin route without security in openapi.yaml"
    assert "POST /api/v1/categories" in {str(op) for op in ADMIN_ONLY}


@pytest.mark.parametrize("op", PROTECTED, ids=str)
def test_protected_routes_need_a_token(anon: ShopClient, op: spec.Operation) -> None:
    assert_problem(send(anon, op), 401, "unauthorized")


@pytest.mark.parametrize("op", PROTECTED, ids=str)
def test_protected_routes_refuse_a_garbage_token(anon: ShopClient, op: spec.Operation) -> None:
    assert_problem(send(anon.with_token("not-a-real-token"), op), 401, "unauthorized")


@pytest.mark.parametrize("op", ADMIN_ONLY, ids=str)
def test_customers_are_forbidden_on_admin_routes(customer: Customer, op: spec.Operation) -> None:
    assert_problem(send(customer.api, op), 403, "forbidden")


def test_a_customer_cannot_change_the_catalog(admin: ShopClient, customer: Customer) -> None:
    product = create_product(admin, name="Not yours to rename", stock=3)
    for op in ADMIN_ONLY:
        send(customer.api, op, path_values={"product_id": product["id"]})
    after = admin.get(f"{API}/admin/products/{product['id']}").json()
    assert (after["name"], after["active"]) == ("Not yours to rename", True)
    assert admin.get(f"{API}/admin/products/{product['id']}/stock").json()["on_hand"] == 3


def test_another_customers_order_is_not_found(
    admin: ShopClient, customer: Customer, new_customer: Callable[[], Customer]
) -> None:
    intruder = new_customer()
    _, order = buy(admin, customer.api)
    assert_problem(intruder.api.get(f"{API}/orders/{order['id']}"), 404, "not-found")
    assert_problem(cancel_order(intruder.api, order["id"]), 404, "not-found")
    assert get_order(customer.api, order["id"])["status"] == "CONFIRMED"
    listed = intruder.api.get(f"{API}/orders").json()
    assert listed["total"] == 0 and listed["items"] == []


def test_baskets_are_private(
    admin: ShopClient, customer: Customer, new_customer: Callable[[], Customer]
) -> None:
    other = new_customer()
    product = create_product(admin)
    set_basket_item(customer.api, product["id"], 4)
    assert get_basket(other.api)["lines"] == []

    set_basket_item(other.api, product["id"], 1)
    assert_status(other.api.delete(f"{API}/basket/items/{product['id']}"), 200)
    assert_status(other.api.delete(f"{API}/basket"), 204)
    (line,) = get_basket(customer.api)["lines"]
    assert (line["product_id"], line["quantity"]) == (product["id"], 4)
