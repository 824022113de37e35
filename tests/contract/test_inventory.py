"""Stock by the admin: levels, adjustments and the movement ledger."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client import (
    API,
    TIMING_OUT_CARD,
    Customer,
    ShopClient,
    adjust_stock,
    buy,
    cancel_order,
    create_product,
    get_order,
    get_stock,
    place_order,
    set_basket_item,
    stock_movements,
    wait_for_terminal,
)
from problems import assert_problem, assert_status
from spec import assert_conforms


def stock(on_hand: int, reserved: int = 0) -> dict[str, int]:
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


def levels(body: dict[str, Any]) -> dict[str, int]:
    return {k: body[k] for k in ("on_hand", "reserved", "available")}


def test_stock_of_a_new_product_is_zero(admin: ShopClient) -> None:
    product = create_product(admin)
    body = get_stock(admin, product["id"])
    assert_conforms(body, "Stock")
    assert body["product_id"] == product["id"]
    assert levels(body) == stock(0)


def test_adjustments_answer_201_with_the_stock_after(admin: ShopClient) -> None:
    product = create_product(admin)
    url = f"{API}/admin/products/{product['id']}/stock-adjustments"
    response = admin.post(url, json={"delta": 10, "reason": "delivery"})
    assert_status(response, 201)
    assert_conforms(response.json(), "Stock")
    assert levels(response.json()) == stock(10)
    response = admin.post(url, json={"delta": -3, "reason": "breakage"})
    assert_status(response, 201)
    assert levels(response.json()) == stock(7)
    assert levels(get_stock(admin, product["id"])) == stock(7)


def test_an_adjustment_below_zero_is_refused_and_changes_nothing(admin: ShopClient) -> None:
    product = create_product(admin, stock=7)
    before = stock_movements(admin, product["id"])
    response = admin.post(
        f"{API}/admin/products/{product['id']}/stock-adjustments",
        json={"delta": -8, "reason": "too many"},
    )
    assert_problem(response, 409, "insufficient-stock")
    assert levels(get_stock(admin, product["id"])) == stock(7)
    assert stock_movements(admin, product["id"]) == before


def test_an_adjustment_below_the_reserved_units_is_refused(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=5)
    set_basket_item(customer.api, product["id"], 3)
    placed = place_order(customer.api, number=TIMING_OUT_CARD)
    assert_status(placed, 201)
    order_id = placed.json()["id"]
    response = admin.post(
        f"{API}/admin/products/{product['id']}/stock-adjustments",
        json={"delta": -3, "reason": "would leave 2 on hand for 3 reserved"},
    )
    still_pending = get_order(customer.api, order_id)["status"] == "PENDING"
    wait_for_terminal(customer.api, order_id)
    if response.status_code == 201 and not still_pending:
        pytest.skip("the payment timed out before the adjustment: no reservation to observe")
    assert_problem(response, 409, "insufficient-stock")
    assert levels(get_stock(admin, product["id"])) == stock(5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0, "reason": "nothing"}, "delta"),
        ({"delta": "5", "reason": "text"}, "delta"),
        ({"delta": 1.5, "reason": "fraction"}, "delta"),
        ({"delta": 1_000_001, "reason": "too big"}, "delta"),
        ({"reason": "no delta"}, "delta"),
        ({"delta": 5}, "reason"),
        ({"delta": 5, "reason": ""}, "reason"),
        ({"delta": 5, "reason": "x" * 201}, "reason"),
        ({"delta": 5, "reason": "extra", "kind": "SALE"}, None),
    ],
)
def test_invalid_adjustments_are_refused(
    admin: ShopClient, body: dict[str, Any], field: str | None
) -> None:
    product = create_product(admin, stock=2)
    response = admin.post(f"{API}/admin/products/{product['id']}/stock-adjustments", json=body)
    assert_problem(response, 422, "validation-error", field=field)
    assert levels(get_stock(admin, product["id"])) == stock(2)


@pytest.mark.parametrize("suffix", ["stock", "stock-movements"])
def test_stock_of_an_unknown_product_is_not_found(admin: ShopClient, suffix: str) -> None:
    response = admin.get(f"{API}/admin/products/{uuid.uuid4()}/{suffix}")
    assert_problem(response, 404, "not-found")


def test_adjusting_an_unknown_product_is_not_found(admin: ShopClient) -> None:
    response = admin.post(
        f"{API}/admin/products/{uuid.uuid4()}/stock-adjustments",
        json={"delta": 1, "reason": "ghost"},
    )
    assert_problem(response, 404, "not-found")


def test_the_ledger_lists_adjustments_newest_first(admin: ShopClient) -> None:
    product = create_product(admin)
    adjust_stock(admin, product["id"], 10, reason="first delivery")
    adjust_stock(admin, product["id"], -4, reason="damaged in storage")
    response = admin.get(f"{API}/admin/products/{product['id']}/stock-movements")
    assert_status(response, 200)
    page = response.json()
    assert_conforms(page, "StockMovementPage")
    assert page["total"] == 2
    assert [(m["kind"], m["delta"], m["reason"], m["order_id"]) for m in page["items"]] == [
        ("ADJUSTMENT", -4, "damaged in storage", None),
        ("ADJUSTMENT", 10, "first delivery", None),
    ]
    assert all(m["product_id"] == product["id"] for m in page["items"])


def test_the_ledger_is_paginated(admin: ShopClient) -> None:
    product = create_product(admin)
    for delta in (1, 2, 3):
        adjust_stock(admin, product["id"], delta)
    url = f"{API}/admin/products/{product['id']}/stock-movements"
    first = admin.get(url, params={"per_page": 2}).json()
    assert (first["total"], len(first["items"]), first["links"]["prev"]) == (3, 2, None)
    assert [m["delta"] for m in first["items"]] == [3, 2]
    second = admin.get(first["links"]["next"]).json()
    assert [m["delta"] for m in second["items"]] == [1]
    assert second["links"]["next"] is None


def test_a_sale_and_its_restock_are_in_the_ledger_with_the_order(
    admin: ShopClient, customer: Customer
) -> None:
    product, order = buy(admin, customer.api, quantity=2)
    assert levels(get_stock(admin, product["id"])) == stock(5)
    sale = stock_movements(admin, product["id"])[0]
    assert (sale["kind"], sale["delta"], sale["order_id"]) == ("SALE", -2, order["id"])

    assert_status(cancel_order(customer.api, order["id"]), 200)
    assert levels(get_stock(admin, product["id"])) == stock(7)
    movements = stock_movements(admin, product["id"])
    restock = movements[0]
    assert (restock["kind"], restock["delta"], restock["order_id"]) == ("RESTOCK", 2, order["id"])
    assert [m["kind"] for m in movements] == ["RESTOCK", "SALE", "ADJUSTMENT"]
    for movement in movements:
        assert_conforms(movement, "StockMovement")
