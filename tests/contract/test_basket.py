"""The caller's basket: set, remove, clear, and its totals."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client import (
    API,
    CURRENCY,
    Customer,
    ShopClient,
    create_product,
    deactivate_product,
    get_basket,
    money,
    set_basket_item,
)
from problems import assert_problem, assert_status
from spec import assert_conforms


def lines_by_product(basket: dict[str, Any]) -> dict[str, int]:
    return {line["product_id"]: line["quantity"] for line in basket["lines"]}


def test_a_new_basket_is_empty(customer: Customer) -> None:
    basket = get_basket(customer.api)
    assert_conforms(basket, "Basket")
    assert basket == {"lines": [], "item_count": 0, "total": money(0)}


def test_put_sets_the_quantity_and_the_totals_follow(admin: ShopClient, customer: Customer) -> None:
    lamp = create_product(admin, price=1250)
    bulb = create_product(admin, price=199)
    basket = set_basket_item(customer.api, lamp["id"], 2)
    assert_conforms(basket, "Basket")
    (line,) = basket["lines"]
    assert (line["product_id"], line["sku"], line["name"]) == (
        lamp["id"],
        lamp["sku"],
        lamp["name"],
    )
    assert line["unit_price"] == money(1250)
    assert (line["quantity"], line["line_total"]) == (2, money(2500))

    basket = set_basket_item(customer.api, lamp["id"], 5)
    assert lines_by_product(basket) == {lamp["id"]: 5}, "PUT must set, not add"
    basket = set_basket_item(customer.api, bulb["id"], 3)
    assert_conforms(basket, "Basket")
    assert lines_by_product(basket) == {lamp["id"]: 5, bulb["id"]: 3}
    assert basket["item_count"] == 8
    assert basket["total"] == {"amount": 5 * 1250 + 3 * 199, "currency": CURRENCY}
    for line in basket["lines"]:
        assert line["line_total"]["amount"] == line["unit_price"]["amount"] * line["quantity"]
    assert get_basket(customer.api) == basket


def test_delete_item_removes_it_and_is_idempotent(admin: ShopClient, customer: Customer) -> None:
    kept = create_product(admin)
    removed = create_product(admin)
    set_basket_item(customer.api, kept["id"], 1)
    set_basket_item(customer.api, removed["id"], 2)
    for _ in range(2):
        response = customer.api.delete(f"{API}/basket/items/{removed['id']}")
        assert_status(response, 200)
        assert_conforms(response.json(), "Basket")
        assert lines_by_product(response.json()) == {kept["id"]: 1}
    never_added = customer.api.delete(f"{API}/basket/items/{uuid.uuid4()}")
    assert_status(never_added, 200)
    assert lines_by_product(never_added.json()) == {kept["id"]: 1}


def test_delete_basket_empties_it(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin)["id"], 4)
    response = customer.api.delete(f"{API}/basket")
    assert_status(response, 204)
    assert response.content == b""
    assert get_basket(customer.api) == {"lines": [], "item_count": 0, "total": money(0)}
    assert_status(customer.api.delete(f"{API}/basket"), 204)


def test_unknown_and_inactive_products_cannot_be_added(
    admin: ShopClient, customer: Customer
) -> None:
    inactive = create_product(admin, stock=5)
    deactivate_product(admin, inactive["id"])
    for product_id in (inactive["id"], str(uuid.uuid4())):
        response = customer.api.put(f"{API}/basket/items/{product_id}", json={"quantity": 1})
        assert_problem(response, 404, "not-found")
    assert get_basket(customer.api)["lines"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0},
        {"quantity": 100},
        {"quantity": -1},
        {"quantity": -100},
        {"quantity": "2"},
        {"quantity": 1.5},
        {"quantity": None},
        {"quantity": True},
        {"quantity": 10**30},
        {},
        {"quantity": 1, "price": 1},
    ],
    ids=repr,
)
def test_invalid_quantities_are_refused(
    admin: ShopClient, customer: Customer, body: dict[str, Any]
) -> None:
    product = create_product(admin)
    set_basket_item(customer.api, product["id"], 3)
    response = customer.api.put(f"{API}/basket/items/{product['id']}", json=body)
    field = None if "price" in body else "quantity"
    assert_problem(response, 422, "validation-error", field=field)
    assert lines_by_product(get_basket(customer.api)) == {product["id"]: 3}


@pytest.mark.parametrize("quantity", [1, 99])
def test_quantity_bounds_are_accepted(admin: ShopClient, customer: Customer, quantity: int) -> None:
    product = create_product(admin)
    basket = set_basket_item(customer.api, product["id"], quantity)
    assert basket["item_count"] == quantity
