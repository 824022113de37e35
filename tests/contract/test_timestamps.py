"""Timestamps: RFC 3339 instants; `created_at` fixed for good, `updated_at` equal to it on
creation and moved forward by every change of the resource and by nothing else (as the
contract's field descriptions say).

Resources with both: products and orders. Customers and stock movements have `created_at`
only. A change is compared with the timestamps before it, after a pause long enough for the
shop's clock to tick at the resolution its timestamps show.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from client import (
    API,
    PASSWORD,
    TIMING_OUT_CARD,
    Customer,
    ShopClient,
    adjust_stock,
    buy,
    cancel_order,
    create_category,
    create_product,
    get_order,
    login,
    money,
    place_order,
    set_basket_item,
    stock_movements,
    wait_for_terminal,
)
from problems import assert_any_problem, assert_problem, assert_status, describe
from spec import assert_conforms

RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)
# Timestamps are instants: far from this machine's clock means a time zone mistake.
MAX_CLOCK_SKEW = timedelta(minutes=15)


def instant(value: Any, what: str = "timestamp") -> datetime:
    """An RFC 3339 date-time with a time zone (Z or an offset) as an aware datetime."""
    assert isinstance(value, str), f"{what} is not a string: {value!r}"
    match = RFC3339.match(value)
    assert match, f"{what} {value!r} is not an RFC 3339 date-time with a time zone"
    date, clock, fraction, zone = match.groups()
    offset = "+00:00" if zone in ("Z", "z") else zone
    micros = f".{(fraction or '0')[:6].ljust(6, '0')}"
    return datetime.fromisoformat(f"{date}T{clock}{micros}{offset}")


def assert_recent(value: Any, what: str) -> None:
    """A timestamp of something made just now is close to this machine's clock: hours away
    is a time zone written wrong (local time labelled UTC, or the offset applied twice)."""
    skew = abs(instant(value, what) - datetime.now(UTC))
    assert skew < MAX_CLOCK_SKEW, f"{what} {value!r} is {skew} away from this clock"


def stamps(resource: dict[str, Any]) -> tuple[datetime, datetime]:
    """(created_at, updated_at), both checked to be RFC 3339."""
    return (
        instant(resource["created_at"], "created_at"),
        instant(resource["updated_at"], "updated_at"),
    )


def pause_for_clock(resource: dict[str, Any]) -> None:
    """Wait until the shop's clock must have moved past `resource`'s timestamps: a moment for
    sub-second timestamps, a second for whole seconds."""
    whole_seconds = any("." not in resource[key] for key in ("created_at", "updated_at"))
    time.sleep(1.05 if whole_seconds else 0.02)


def assert_unchanged(
    before: dict[str, Any], after: dict[str, Any], why: str, response: Any = None
) -> None:
    context = describe(response) if response is not None else ""
    assert stamps(after) == stamps(before), (
        f"{why} moved the timestamps: {before['created_at']}/{before['updated_at']} -> "
        f"{after['created_at']}/{after['updated_at']}{context}"
    )


def assert_moved_forward(before: dict[str, Any], after: dict[str, Any], why: str) -> None:
    created_before, updated_before = stamps(before)
    created_after, updated_after = stamps(after)
    assert created_after == created_before, (
        f"{why} changed created_at: {before['created_at']} -> {after['created_at']}"
    )
    assert updated_after > updated_before, (
        f"{why} did not move updated_at forward: {before['updated_at']} -> {after['updated_at']}"
    )


# --- products ---------------------------------------------------------------------------


def admin_product(admin: ShopClient, product_id: str) -> dict[str, Any]:
    response = admin.get(f"{API}/admin/products/{product_id}")
    assert_status(response, 200)
    return response.json()


def public_product(anon: ShopClient, product_id: str) -> dict[str, Any]:
    response = anon.get(f"{API}/products/{product_id}")
    assert_status(response, 200)
    return response.json()


def patch(admin: ShopClient, product_id: str, body: Any) -> Any:
    return admin.patch(f"{API}/admin/products/{product_id}", json=body)


def test_a_new_product_has_updated_at_equal_to_created_at(
    anon: ShopClient, admin: ShopClient
) -> None:
    made = create_product(admin, name="Stamped product")
    created, updated = stamps(made)
    assert_recent(made["created_at"], "created_at of a product made just now")
    assert updated == created, (
        f"a new product's updated_at {made['updated_at']} is not its created_at "
        f"{made['created_at']}"
    )
    for seen in (
        admin_product(admin, made["id"]),
        public_product(anon, made["id"]),
        next(
            item
            for item in anon.get(f"{API}/products", params={"q": made["sku"]}).json()["items"]
            if item["id"] == made["id"]
        ),
    ):
        assert_unchanged(made, seen, "reading the product")


def test_every_product_update_moves_updated_at_forward_and_keeps_created_at(
    anon: ShopClient, admin: ShopClient
) -> None:
    category = create_category(admin)
    current = create_product(admin, name="Before", price=1000)
    original_created = current["created_at"]
    changes: list[tuple[str, Any]] = [
        ("renaming", {"name": "After"}),
        ("repricing", {"price": money(1250)}),
        ("describing", {"description": "Now with a description."}),
        ("categorising", {"category_id": category["id"]}),
        ("uncategorising", {"category_id": None}),
        ("deactivating by PATCH", {"active": False}),
        ("reactivating", {"active": True}),
        ("deactivating", None),
    ]
    for why, body in changes:
        pause_for_clock(current)
        if body is None:
            response = admin.post(f"{API}/admin/products/{current['id']}/deactivate")
        else:
            response = patch(admin, current["id"], body)
        assert_status(response, 200)
        changed = response.json()
        assert_conforms(changed, "Product")
        assert_moved_forward(current, changed, why)
        assert_unchanged(changed, admin_product(admin, current["id"]), f"reading after {why}")
        current = changed
    assert current["created_at"] == original_created


def test_reads_refusals_and_no_ops_leave_a_product_alone(
    anon: ShopClient, admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, name="Left alone", price=1000, stock=5)
    pause_for_clock(product)
    pid = product["id"]

    public_product(anon, pid)
    assert_status(anon.get(f"{API}/products/{pid}/availability"), 200)
    assert_status(admin.get(f"{API}/admin/products", params={"per_page": 5}), 200)
    assert_status(admin.get(f"{API}/admin/products/{pid}/stock"), 200)

    refused = [
        (patch(admin, pid, {"price": money(-1)}), 422),
        (patch(admin, pid, {"name": ""}), 422),
        (patch(admin, pid, {"colour": "red"}), 422),
        (patch(admin, pid, {}), 422),
        (patch(admin, pid, {"category_id": str(uuid.uuid4())}), 422),
        (patch(admin, pid, {"price": {"amount": 5, "currency": "XTS"}}), 422),
        (
            admin.patch(
                f"{API}/admin/products/{pid}",
                content=b'{"name": ',
                headers={"Content-Type": "application/json"},
            ),
            400,
        ),
        (customer.api.patch(f"{API}/admin/products/{pid}", json={"name": "Mine"}), 403),
        (anon.patch(f"{API}/admin/products/{pid}", json={"name": "Mine"}), 401),
        (customer.api.post(f"{API}/admin/products/{pid}/deactivate"), 403),
    ]
    for response, status in refused:
        assert_any_problem(response, status)
        assert_unchanged(product, admin_product(admin, pid), "a refused update", response)

    for body in ({"name": "Left alone"}, {"price": money(1000), "active": True}):
        response = patch(admin, pid, body)
        assert_status(response, 200)
        assert_unchanged(product, response.json(), f"a PATCH changing nothing ({body})")

    adjust_stock(admin, pid, 3)
    adjust_stock(admin, pid, -1)
    assert_unchanged(product, admin_product(admin, pid), "a stock adjustment")
    set_basket_item(customer.api, pid, 2)
    _, order = buy(admin, customer.api)
    assert order["status"] == "CONFIRMED"
    assert_status(cancel_order(customer.api, order["id"]), 200)
    assert_unchanged(product, admin_product(admin, pid), "selling and restocking it")

    deactivated = admin.post(f"{API}/admin/products/{pid}/deactivate")
    assert_status(deactivated, 200)
    assert_moved_forward(product, deactivated.json(), "deactivating")
    pause_for_clock(deactivated.json())
    again = admin.post(f"{API}/admin/products/{pid}/deactivate")
    assert_status(again, 200)
    assert_unchanged(deactivated.json(), again.json(), "deactivating an inactive product")
    assert_unchanged(deactivated.json(), admin_product(admin, pid), "reading it")


# --- customers and stock movements ------------------------------------------------------


def test_a_customers_created_at_is_an_instant_that_never_changes(
    anon: ShopClient,
) -> None:
    email = f"stamped-{uuid.uuid4().hex}@example.com"
    response = anon.post(
        f"{API}/customers", json={"email": email, "password": PASSWORD, "name": "Stamped"}
    )
    assert_status(response, 201)
    registered = response.json()
    assert_recent(registered["created_at"], "created_at of a customer made just now")
    created = instant(registered["created_at"])
    time.sleep(0.02 if "." in registered["created_at"] else 1.05)
    for _ in range(2):
        me = anon.with_token(login(anon, email, PASSWORD)["access_token"]).get(
            f"{API}/customers/me"
        )
        assert_status(me, 200)
        assert instant(me.json()["created_at"]) == created, describe(me)


def test_stock_movements_are_stamped_in_order_and_keep_their_time(admin: ShopClient) -> None:
    product = create_product(admin)
    for delta in (4, -1, 2):
        pause_for_clock(product)
        adjust_stock(admin, product["id"], delta)
    movements = stock_movements(admin, product["id"])
    assert [m["delta"] for m in movements] == [2, -1, 4]
    for movement in movements:
        assert_recent(movement["created_at"], "created_at of a movement made just now")
    times = [instant(m["created_at"]) for m in movements]
    assert times[0] > times[1] > times[2], f"newest first, each later: {times}"
    assert times[2] >= stamps(product)[0], "a movement older than its product"
    assert stock_movements(admin, product["id"]) == movements


# --- orders -----------------------------------------------------------------------------


def listed(api: ShopClient, path: str, order_id: str) -> dict[str, Any]:
    response = api.get(path, params={"per_page": 100})
    assert_status(response, 200)
    return next(item for item in response.json()["items"] if item["id"] == order_id)


def assert_order_everywhere(
    admin: ShopClient, customer: Customer, expected: dict[str, Any], why: str
) -> None:
    """The order's detail and both listings show `expected`'s timestamps and status."""
    oid = expected["id"]
    for seen in (
        get_order(customer.api, oid),
        listed(customer.api, f"{API}/orders", oid),
        listed(admin, f"{API}/admin/orders", oid),
    ):
        assert seen["status"] == expected["status"], why
        assert_unchanged(expected, seen, why)


@pytest.mark.slow
def test_a_pending_order_is_stamped_once_until_its_payment_settles(
    admin: ShopClient, customer: Customer
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=3)["id"], 1)
    response = place_order(customer.api, number=TIMING_OUT_CARD)
    assert_status(response, 201)
    placed = response.json()
    assert placed["status"] == "PENDING", describe(response)
    created, updated = stamps(placed)
    assert_recent(placed["created_at"], "created_at of an order placed just now")
    assert updated == created, (
        f"a new order's updated_at {placed['updated_at']} is not its created_at "
        f"{placed['created_at']}"
    )
    pending = get_order(customer.api, placed["id"])
    if pending["status"] == "PENDING":
        assert_unchanged(placed, pending, "reading the pending order")
    settled = wait_for_terminal(customer.api, placed["id"])
    assert settled["status"] == "REJECTED"
    assert_moved_forward(placed, settled, "settling the payment")
    assert_order_everywhere(admin, customer, settled, "reading the settled order")


def test_cancelling_moves_updated_at_once_and_refusals_do_not(
    admin: ShopClient, customer: Customer
) -> None:
    product, order = buy(admin, customer.api)
    created, updated = stamps(order)
    assert updated >= created
    assert_order_everywhere(admin, customer, order, "reading the confirmed order")
    pause_for_clock(order)

    key = str(uuid.uuid4())
    response = cancel_order(customer.api, order["id"], key)
    assert_status(response, 200)
    cancelled = response.json()
    assert cancelled["status"] == "CANCELLED"
    assert_moved_forward(order, cancelled, "cancelling")
    assert_order_everywhere(admin, customer, cancelled, "reading the cancelled order")
    pause_for_clock(cancelled)

    replay = cancel_order(customer.api, order["id"], key)
    assert_status(replay, 200)
    assert_unchanged(cancelled, replay.json(), "replaying the cancel", replay)
    assert_problem(cancel_order(customer.api, order["id"]), 409, "order-not-cancellable")
    assert_problem(admin.post(f"{API}/admin/orders/{order['id']}/ship"), 409, "order-not-shippable")
    assert_status(patch(admin, product["id"], {"price": money(4321)}), 200)
    assert_order_everywhere(admin, customer, cancelled, "refused changes")


def test_shipping_moves_updated_at_once_and_refusals_do_not(
    admin: ShopClient, customer: Customer
) -> None:
    _, order = buy(admin, customer.api)
    pause_for_clock(order)
    response = admin.post(f"{API}/admin/orders/{order['id']}/ship")
    assert_status(response, 200)
    shipped = response.json()
    assert shipped["status"] == "SHIPPED"
    assert_moved_forward(order, shipped, "shipping")
    assert_order_everywhere(admin, customer, shipped, "reading the shipped order")
    pause_for_clock(shipped)

    assert_problem(admin.post(f"{API}/admin/orders/{order['id']}/ship"), 409, "order-not-shippable")
    assert_problem(cancel_order(customer.api, order["id"]), 409, "order-not-cancellable")
    assert_status(customer.api.post(f"{API}/admin/orders/{order['id']}/ship"), 403)
    assert_order_everywhere(admin, customer, shipped, "refused changes")
