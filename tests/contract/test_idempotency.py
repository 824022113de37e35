"""Idempotency-Key: a retried checkout or cancel never does the work twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from client import (
    API,
    Customer,
    ShopClient,
    address,
    buy,
    cancel_order,
    card,
    create_product,
    get_stock,
    order_body,
    place_order,
    set_basket_item,
    wait_for_terminal,
)
from problems import assert_problem, assert_status


def order_count(api: ShopClient) -> int:
    response = api.get(f"{API}/orders")
    assert_status(response, 200)
    return response.json()["total"]


def test_the_same_key_and_body_answer_the_same_order(admin: ShopClient, customer: Customer) -> None:
    product = create_product(admin, stock=5)
    set_basket_item(customer.api, product["id"], 2)
    key = str(uuid.uuid4())
    first = place_order(customer.api, key=key)
    assert_status(first, 201)
    order = wait_for_terminal(customer.api, first.json()["id"])
    assert order["status"] == "CONFIRMED"

    # The basket is empty now: only a replay, not a second checkout, can answer 201.
    again = place_order(customer.api, key=key)
    assert_status(again, 201)
    assert again.json()["id"] == order["id"]
    assert order_count(customer.api) == 1
    assert get_stock(admin, product["id"])["on_hand"] == 3


def test_the_same_key_with_another_body_is_refused(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin, stock=5)["id"], 1)
    key = str(uuid.uuid4())
    assert_status(place_order(customer.api, key=key), 201)
    other = {"shipping_address": address(name="Somebody Else"), "payment": card()}
    response = place_order(customer.api, key=key, body=other)
    assert_problem(response, 422, "idempotency-key-reused")
    assert order_count(customer.api) == 1


def test_keys_belong_to_one_customer(
    admin: ShopClient, customer: Customer, new_customer: Callable[[], Customer]
) -> None:
    other = new_customer()
    product = create_product(admin, stock=5)
    key = str(uuid.uuid4())
    orders = []
    for who in (customer, other):
        set_basket_item(who.api, product["id"], 1)
        response = place_order(who.api, key=key, body=order_body())
        assert_status(response, 201)
        orders.append(wait_for_terminal(who.api, response.json()["id"]))
    assert orders[0]["id"] != orders[1]["id"]
    assert [o["customer_id"] for o in orders] == [customer.id, other.id]
    assert [o["status"] for o in orders] == ["CONFIRMED", "CONFIRMED"]


def test_a_repeated_cancel_answers_the_same_body(admin: ShopClient, customer: Customer) -> None:
    product, order = buy(admin, customer.api, quantity=2)
    key = str(uuid.uuid4())
    first = cancel_order(customer.api, order["id"], key=key)
    assert_status(first, 200)
    again = cancel_order(customer.api, order["id"], key=key)
    assert_status(again, 200)
    assert again.json() == first.json()
    assert get_stock(admin, product["id"])["on_hand"] == 7, "restocked once only"
