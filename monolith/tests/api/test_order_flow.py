"""The order lifecycle through the API on SQLite, with the (table-backed) sandbox provider."""

import uuid

from flask import Flask
from flask.testing import FlaskClient

from shop_monolith.customers import services as customers

ADDRESS = {"name": "A", "line1": "1 Road", "postal_code": "1", "city": "X", "country": "DE"}
CARD = {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2030, "cvc": "123"}


def bearer(client: FlaskClient, email: str, password: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    return {"Authorization": f"Bearer {token.json['access_token']}"}


def test_checkout_then_cancel_refunds_and_restocks(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        from shop_monolith.web import dependencies

        customers.ensure_admin(
            dependencies.session(), email="admin@shop.example", password="admin-pass"
        )
    admin = bearer(client, "admin@shop.example", "admin-pass")
    sku = f"T-{uuid.uuid4().hex[:8].upper()}"
    product = client.post(
        "/api/v1/admin/products",
        json={"sku": sku, "name": "Lamp", "price": {"amount": 500, "currency": "EUR"}},
        headers=admin,
    ).json
    stock_url = f"/api/v1/admin/products/{product['id']}/stock"
    client.post(f"{stock_url}-adjustments", json={"delta": 4, "reason": "delivery"}, headers=admin)
    client.post(
        "/api/v1/customers", json={"email": "c@example.com", "password": "password1", "name": "C"}
    )
    me = bearer(client, "c@example.com", "password1")
    client.put(f"/api/v1/basket/items/{product['id']}", json={"quantity": 3}, headers=me)

    placed = client.post(
        "/api/v1/orders",
        json={"shipping_address": ADDRESS, "payment": CARD},
        headers=me | {"Idempotency-Key": "order-1"},
    )
    assert (placed.status_code, placed.json["status"]) == (201, "CONFIRMED")
    assert client.get(stock_url, headers=admin).json["on_hand"] == 1

    cancel_url = f"/api/v1/orders/{placed.json['id']}/cancel"
    cancelled = client.post(cancel_url, headers=me | {"Idempotency-Key": "cancel-1"})
    assert cancelled.status_code == 200
    assert (cancelled.json["status"], cancelled.json["payment"]["status"]) == (
        "CANCELLED",
        "REFUNDED",
    )
    assert client.get(stock_url, headers=admin).json["on_hand"] == 4
    again = client.post(cancel_url, headers=me | {"Idempotency-Key": "cancel-1"})
    assert (again.status_code, again.json) == (200, cancelled.json)
