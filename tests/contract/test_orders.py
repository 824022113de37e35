"""Checkout, the order's life (confirm, reject, cancel, ship) and its effects on stock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from client import (
    API,
    APPROVING_CARD,
    CURRENCY,
    DECLINING_CARD,
    TIMING_OUT_CARD,
    Customer,
    ShopClient,
    address,
    buy,
    cancel_order,
    card,
    checkout,
    create_product,
    deactivate_product,
    get_basket,
    get_order,
    get_stock,
    money,
    order_body,
    place_order,
    set_basket_item,
    stock_movements,
    wait_for_terminal,
)
from problems import assert_problem, assert_status, describe
from spec import assert_conforms


def levels(admin: ShopClient, product_id: str) -> tuple[int, int, int]:
    body = get_stock(admin, product_id)
    return body["on_hand"], body["reserved"], body["available"]


def list_orders(api: ShopClient, path: str = f"{API}/orders", **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert_status(response, 200)
    assert_conforms(response.json(), "OrderPage")
    return response.json()


def test_an_approved_order_is_confirmed_and_sells_the_stock(
    admin: ShopClient, customer: Customer
) -> None:
    lamp = create_product(admin, price=1250, stock=10)
    bulb = create_product(admin, price=199, stock=10)
    set_basket_item(customer.api, lamp["id"], 2)
    set_basket_item(customer.api, bulb["id"], 3)

    response = place_order(customer.api)
    assert_status(response, 201)
    placed = response.json()
    assert_conforms(placed, "Order")
    assert placed["status"] in ("PENDING", "CONFIRMED")
    assert urlsplit(response.headers.get("location", "")).path == f"{API}/orders/{placed['id']}", (
        describe(response)
    )

    order = wait_for_terminal(customer.api, placed["id"])
    assert_conforms(order, "Order")
    assert order["status"] == "CONFIRMED"
    assert order["rejection_reason"] is None
    assert order["payment"] == {"status": "CAPTURED", "card_last4": APPROVING_CARD[-4:]}
    assert order["customer_id"] == customer.id
    assert order["shipping_address"] == address()
    assert {line["product_id"]: line["quantity"] for line in order["lines"]} == {
        lamp["id"]: 2,
        bulb["id"]: 3,
    }
    for line in order["lines"]:
        assert line["line_total"]["amount"] == line["unit_price"]["amount"] * line["quantity"]
    assert order["total"] == {"amount": 2 * 1250 + 3 * 199, "currency": CURRENCY}

    assert levels(admin, lamp["id"]) == (8, 0, 8)
    assert levels(admin, bulb["id"]) == (7, 0, 7)
    sales = [m for m in stock_movements(admin, lamp["id"]) if m["kind"] == "SALE"]
    assert [(m["delta"], m["order_id"]) for m in sales] == [(-2, order["id"])]
    assert get_basket(customer.api)["lines"] == []


def test_an_order_without_line2_keeps_the_address_as_given(
    admin: ShopClient, customer: Customer
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    shipping = address()
    del shipping["line2"]
    response = place_order(customer.api, body={"shipping_address": shipping, "payment": card()})
    assert_status(response, 201)
    order = wait_for_terminal(customer.api, response.json()["id"])
    assert_conforms(order, "Order")
    assert order["shipping_address"] == shipping


def test_a_declined_card_rejects_the_order_and_keeps_stock_and_basket(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=4)
    set_basket_item(customer.api, product["id"], 2)
    basket = get_basket(customer.api)
    order = checkout(customer.api, number=DECLINING_CARD)
    assert_conforms(order, "Order")
    assert (order["status"], order["rejection_reason"]) == ("REJECTED", "payment_declined")
    assert order["payment"]["status"] != "CAPTURED"
    assert order["payment"]["card_last4"] == DECLINING_CARD[-4:]
    assert levels(admin, product["id"]) == (4, 0, 4)
    assert get_basket(customer.api) == basket
    assert [m["kind"] for m in stock_movements(admin, product["id"])] == ["ADJUSTMENT"]


@pytest.mark.slow
def test_a_payment_timeout_stays_pending_then_rejects_and_releases_stock(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=4)
    set_basket_item(customer.api, product["id"], 3)
    response = place_order(customer.api, number=TIMING_OUT_CARD)
    assert_status(response, 201)
    assert response.json()["status"] == "PENDING", describe(response)
    order = wait_for_terminal(customer.api, response.json()["id"])
    assert (order["status"], order["rejection_reason"]) == ("REJECTED", "payment_timeout")
    assert order["payment"]["status"] != "CAPTURED"
    assert levels(admin, product["id"]) == (4, 0, 4)


def test_ordering_more_than_available_is_rejected_out_of_stock(
    admin: ShopClient, customer: Customer
) -> None:
    plenty = create_product(admin, stock=10)
    scarce = create_product(admin, stock=1)
    set_basket_item(customer.api, plenty["id"], 2)
    set_basket_item(customer.api, scarce["id"], 3)
    response = place_order(customer.api)
    assert_status(response, 201)
    order = wait_for_terminal(customer.api, response.json()["id"])
    assert (order["status"], order["rejection_reason"]) == ("REJECTED", "out_of_stock")
    assert order["payment"]["status"] != "CAPTURED"
    assert levels(admin, plenty["id"]) == (10, 0, 10)
    assert levels(admin, scarce["id"]) == (1, 0, 1)


def test_a_deactivated_product_in_the_basket_rejects_the_order(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=5)
    set_basket_item(customer.api, product["id"], 1)
    deactivate_product(admin, product["id"])
    order = checkout(customer.api)
    assert (order["status"], order["rejection_reason"]) == ("REJECTED", "product_unavailable")
    assert levels(admin, product["id"]) == (5, 0, 5)


def test_an_empty_basket_cannot_be_checked_out(customer: Customer) -> None:
    assert_problem(place_order(customer.api), 409, "basket-empty")
    assert list_orders(customer.api)["total"] == 0


def test_checkout_needs_an_idempotency_key(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    response = customer.api.post(f"{API}/orders", json=order_body())
    assert_problem(response, 400, "idempotency-key-missing")
    assert list_orders(customer.api)["total"] == 0


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["shipping_address"].update(country="Germany"), "shipping_address.country"),
        (lambda b: b["shipping_address"].update(country="de"), "shipping_address.country"),
        (lambda b: b["shipping_address"].pop("city"), "shipping_address.city"),
        (lambda b: b["shipping_address"].update(name=""), "shipping_address.name"),
        (
            lambda b: b["shipping_address"].update(postal_code="1" * 17),
            "shipping_address.postal_code",
        ),
        (lambda b: b.pop("payment"), "payment"),
        (lambda b: b["payment"].update(number="4242-4242"), "payment.number"),
        (lambda b: b["payment"].update(expiry_month=13), "payment.expiry_month"),
        (lambda b: b["payment"].update(expiry_year="2030"), "payment.expiry_year"),
        (lambda b: b["payment"].update(cvc="12"), "payment.cvc"),
        (lambda b: b.update(coupon="FREE"), None),
    ],
    ids=[
        "country-name",
        "country-lower",
        "no-city",
        "empty-name",
        "long-postal-code",
        "no-payment",
        "card-number",
        "month-13",
        "year-as-text",
        "short-cvc",
        "unknown-field",
    ],
)
def test_invalid_checkouts_are_refused_and_place_nothing(
    admin: ShopClient, customer: Customer, mutate: Any, field: str | None
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=2)["id"], 1)
    body = order_body()
    mutate(body)
    assert_problem(place_order(customer.api, body=body), 422, "validation-error", field=field)
    assert list_orders(customer.api)["total"] == 0
    assert len(get_basket(customer.api)["lines"]) == 1


def test_order_lines_keep_the_price_at_checkout(admin: ShopClient, customer: Customer) -> None:
    product, order = buy(admin, customer.api, quantity=2, price=1000)
    response = admin.patch(f"{API}/admin/products/{product['id']}", json={"price": money(9999)})
    assert_status(response, 200)
    again = get_order(customer.api, order["id"])
    assert again["lines"][0]["unit_price"] == money(1000)
    assert again["total"] == money(2000)


def test_unknown_orders_are_not_found(customer: Customer) -> None:
    assert_problem(customer.api.get(f"{API}/orders/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(cancel_order(customer.api, str(uuid.uuid4())), 404, "not-found")


def test_my_orders_are_listed_newest_first_and_paginated(
    admin: ShopClient, customer: Customer
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    placed = []
    for _ in range(3):  # a declined card keeps the basket, so the same basket checks out again
        response = place_order(customer.api, number=DECLINING_CARD)
        assert_status(response, 201)
        placed.append(response.json()["id"])
    first = list_orders(customer.api, per_page=2)
    assert first["total"] == 3
    assert [order["id"] for order in first["items"]] == [placed[2], placed[1]]
    assert first["links"]["prev"] is None
    second = customer.api.get(first["links"]["next"])
    assert_status(second, 200)
    assert [order["id"] for order in second.json()["items"]] == [placed[0]]
    assert second.json()["links"]["next"] is None


def test_cancel_refunds_and_restocks(admin: ShopClient, customer: Customer) -> None:
    product, order = buy(admin, customer.api, quantity=2)
    assert levels(admin, product["id"]) == (5, 0, 5)
    response = cancel_order(customer.api, order["id"])
    assert_status(response, 200)
    cancelled = response.json()
    assert_conforms(cancelled, "Order")
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["payment"]["status"] == "REFUNDED"
    assert get_order(customer.api, order["id"])["status"] == "CANCELLED"
    assert levels(admin, product["id"]) == (7, 0, 7)
    restock = stock_movements(admin, product["id"])[0]
    assert (restock["kind"], restock["delta"], restock["order_id"]) == ("RESTOCK", 2, order["id"])


def test_cancel_needs_an_idempotency_key(admin: ShopClient, customer: Customer) -> None:
    _, order = buy(admin, customer.api)
    response = customer.api.post(f"{API}/orders/{order['id']}/cancel")
    assert_problem(response, 400, "idempotency-key-missing")
    assert get_order(customer.api, order["id"])["status"] == "CONFIRMED"


def test_rejected_cancelled_and_shipped_orders_cannot_be_cancelled(
    admin: ShopClient, customer: Customer
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    rejected = checkout(customer.api, number=DECLINING_CARD)
    assert_problem(cancel_order(customer.api, rejected["id"]), 409, "order-not-cancellable")
    customer.api.delete(f"{API}/basket")

    _, cancelled = buy(admin, customer.api)
    assert_status(cancel_order(customer.api, cancelled["id"]), 200)
    assert_problem(cancel_order(customer.api, cancelled["id"]), 409, "order-not-cancellable")

    product, shipped = buy(admin, customer.api)
    assert_status(admin.post(f"{API}/admin/orders/{shipped['id']}/ship"), 200)
    assert_problem(cancel_order(customer.api, shipped["id"]), 409, "order-not-cancellable")
    assert get_order(customer.api, shipped["id"])["status"] == "SHIPPED"
    assert levels(admin, product["id"]) == (5, 0, 5)


def test_admin_ships_a_confirmed_order(admin: ShopClient, customer: Customer) -> None:
    _, order = buy(admin, customer.api)
    response = admin.post(f"{API}/admin/orders/{order['id']}/ship")
    assert_status(response, 200)
    assert_conforms(response.json(), "Order")
    assert response.json()["status"] == "SHIPPED"
    assert get_order(customer.api, order["id"])["status"] == "SHIPPED"
    again = admin.post(f"{API}/admin/orders/{order['id']}/ship")
    assert_problem(again, 409, "order-not-shippable")


def test_only_confirmed_orders_can_be_shipped(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    rejected = checkout(customer.api, number=DECLINING_CARD)
    customer.api.delete(f"{API}/basket")
    _, cancelled = buy(admin, customer.api)
    assert_status(cancel_order(customer.api, cancelled["id"]), 200)
    for order in (rejected, cancelled):
        response = admin.post(f"{API}/admin/orders/{order['id']}/ship")
        assert_problem(response, 409, "order-not-shippable")
    unknown = admin.post(f"{API}/admin/orders/{uuid.uuid4()}/ship")
    assert_problem(unknown, 404, "not-found")


def test_a_pending_order_cannot_be_shipped(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    response = place_order(customer.api, number=TIMING_OUT_CARD)
    assert_status(response, 201)
    shipped = admin.post(f"{API}/admin/orders/{response.json()['id']}/ship")
    assert_problem(shipped, 409, "order-not-shippable")
    order = wait_for_terminal(customer.api, response.json()["id"])
    assert order["status"] == "REJECTED"


def test_admin_lists_every_customers_orders_and_filters_by_status(
    admin: ShopClient, customer: Customer, new_customer: Callable[[], Customer]
) -> None:
    other = new_customer()
    product = create_product(admin, stock=10)
    ids = []
    for who in (customer, other):
        set_basket_item(who.api, product["id"], 1)
        ids.append(checkout(who.api, number=DECLINING_CARD)["id"])
    everything = list_orders(admin, f"{API}/admin/orders", per_page=100)
    listed = [order["id"] for order in everything["items"]]
    assert set(ids) <= set(listed)
    assert listed.index(ids[1]) < listed.index(ids[0]), "newest first"
    rejected = list_orders(admin, f"{API}/admin/orders", status="REJECTED", per_page=100)
    assert all(order["status"] == "REJECTED" for order in rejected["items"])
    assert set(ids) <= {order["id"] for order in rejected["items"]}
    confirmed = list_orders(admin, f"{API}/admin/orders", status="CONFIRMED", per_page=100)
    assert all(order["status"] == "CONFIRMED" for order in confirmed["items"])
    assert not set(ids) & {order["id"] for order in confirmed["items"]}
    bogus = admin.get(f"{API}/admin/orders", params={"status": "LOST"})
    assert_problem(bogus, 400, "malformed-request")
