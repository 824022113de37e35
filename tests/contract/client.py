"""A small black-box client of the shop's JSON API, and helpers that make test data through it.

Everything here speaks HTTP only: the suite must pass unchanged against the monolith, the
proxy in front of it and the extracted services, so it never imports shop code or reads a
database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from problems import assert_status

API = "/api/v1"
CURRENCY = "EUR"
APPROVING_CARD = "4242424242424242"
DECLINING_CARD = "4000000000000002"
TIMING_OUT_CARD = "4000000000000119"
TERMINAL_STATUSES = frozenset({"CONFIRMED", "REJECTED", "SHIPPED", "CANCELLED"})
SETTLE_TIMEOUT_S = 30.0
PASSWORD = "correct horse battery"
# A token is renewed this long before it expires; at most a third of its lifetime, so that
# short lifetimes (the contract topology gives tokens a few seconds, to test expiry) work too.
REFRESH_MARGIN_S = 30.0
_NO_BODY: Any = object()


def unique_hex(length: int = 8) -> str:
    return uuid.uuid4().hex[:length]


def unique_sku() -> str:
    return f"T-{unique_hex()}".upper()


def unique_slug() -> str:
    return f"t-{unique_hex()}"


def unique_email() -> str:
    return f"contract-{uuid.uuid4().hex}@example.com"


def unique_word() -> str:
    """A word no other product contains, to find this test's products by search."""
    return "w" + unique_hex(10)


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


@dataclass(frozen=True)
class ShopUnderTest:
    """Where the shop answers, and its admin account."""

    base_url: str
    admin_email: str
    admin_password: str


@dataclass
class ShopClient:
    """Sends requests to the shop as one caller: anonymous, a customer or the admin.

    All callers share one `httpx.Client` (and its connection pool); a caller built with
    `credentials` logs in on first use and again shortly before its token expires (the admin
    and customers from `register_customer` are built so); one built with a fixed `token`
    (`with_token`) always sends that token, expired, forged or not.
    """

    http: httpx.Client
    token: str | None = None
    credentials: tuple[str, str] | None = None
    _expires_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _NO_BODY,
        content: bytes | str | None = None,
        data: dict[str, str] | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent_headers = {}
        token = self.current_token()
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        sent_headers.update(headers or {})
        kwargs: dict[str, Any] = {}
        if json is not _NO_BODY:
            kwargs["json"] = json
        if content is not None:
            kwargs["content"] = content
        if data is not None:
            kwargs["data"] = data
        return self.http.request(method, path, params=params, headers=sent_headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def anonymous(self) -> ShopClient:
        return ShopClient(self.http)

    def with_token(self, token: str) -> ShopClient:
        return ShopClient(self.http, token=token)

    def current_token(self) -> str | None:
        if self.credentials is None:
            return self.token
        with self._lock:
            if self.token is None or time.monotonic() > self._expires_at:
                asked = time.monotonic()  # the token's lifetime starts no earlier than this
                issued = login(self.anonymous(), *self.credentials)
                lifetime = float(issued["expires_in"])
                self.token = issued["access_token"]
                self._expires_at = asked + lifetime - min(REFRESH_MARGIN_S, lifetime / 3)
            return self.token


@contextmanager
def own_connection(api: ShopClient) -> Iterator[ShopClient]:
    """The same caller on a connection of its own, closed afterwards: for requests after
    which the server may drop the connection (a body it refuses without reading)."""
    with httpx.Client(base_url=api.http.base_url, timeout=api.http.timeout) as http:
        yield ShopClient(http, token=api.current_token())


@dataclass(frozen=True)
class Customer:
    api: ShopClient
    id: str
    email: str
    password: str
    name: str


def login(anon: ShopClient, email: str, password: str) -> dict[str, Any]:
    response = anon.post(f"{API}/auth/token", json={"email": email, "password": password})
    assert_status(response, 200)
    return response.json()


def register_customer(anon: ShopClient, *, name: str = "Contract Customer") -> Customer:
    """Register a fresh customer and log them in; their caller logs in again shortly before
    the token expires (`customer.api.token` is the current token)."""
    email = unique_email()
    response = anon.post(
        f"{API}/customers", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert_status(response, 201)
    api = ShopClient(anon.http, credentials=(email, PASSWORD))
    api.current_token()
    return Customer(api, response.json()["id"], email, PASSWORD, name)


def admin_client(http: httpx.Client, email: str, password: str) -> ShopClient:
    return ShopClient(http, credentials=(email, password))


def create_category(admin: ShopClient, *, name: str | None = None) -> dict[str, Any]:
    slug = unique_slug()
    response = admin.post(f"{API}/categories", json={"slug": slug, "name": name or f"Cat {slug}"})
    assert_status(response, 201)
    return response.json()


def create_product(
    admin: ShopClient,
    *,
    name: str | None = None,
    description: str = "Made for the contract suite.",
    price: int = 1000,
    stock: int = 0,
    category_id: str | None = None,
    sku: str | None = None,
) -> dict[str, Any]:
    """Create an active product (and give it `stock` units on hand)."""
    body: dict[str, Any] = {
        "sku": sku or unique_sku(),
        "name": name or f"Product {unique_hex()}",
        "description": description,
        "price": money(price),
    }
    if category_id is not None:
        body["category_id"] = category_id
    response = admin.post(f"{API}/admin/products", json=body)
    assert_status(response, 201)
    product = response.json()
    if stock:
        adjust_stock(admin, product["id"], stock)
    return product


def adjust_stock(
    admin: ShopClient, product_id: str, delta: int, reason: str = "contract test"
) -> dict[str, Any]:
    response = admin.post(
        f"{API}/admin/products/{product_id}/stock-adjustments",
        json={"delta": delta, "reason": reason},
    )
    assert_status(response, 201)
    return response.json()


def get_stock(admin: ShopClient, product_id: str) -> dict[str, Any]:
    response = admin.get(f"{API}/admin/products/{product_id}/stock")
    assert_status(response, 200)
    return response.json()


def stock_movements(admin: ShopClient, product_id: str) -> list[dict[str, Any]]:
    response = admin.get(
        f"{API}/admin/products/{product_id}/stock-movements", params={"per_page": 100}
    )
    assert_status(response, 200)
    return response.json()["items"]


def deactivate_product(admin: ShopClient, product_id: str) -> dict[str, Any]:
    response = admin.post(f"{API}/admin/products/{product_id}/deactivate")
    assert_status(response, 200)
    return response.json()


def set_basket_item(api: ShopClient, product_id: str, quantity: int) -> dict[str, Any]:
    response = api.put(f"{API}/basket/items/{product_id}", json={"quantity": quantity})
    assert_status(response, 200)
    return response.json()


def get_basket(api: ShopClient) -> dict[str, Any]:
    response = api.get(f"{API}/basket")
    assert_status(response, 200)
    return response.json()


def address(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "line2": "Flat 2",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        **overrides,
    }


def card(number: str = APPROVING_CARD, **overrides: Any) -> dict[str, Any]:
    return {"number": number, "expiry_month": 12, "expiry_year": 2099, "cvc": "123", **overrides}


def order_body(number: str = APPROVING_CARD) -> dict[str, Any]:
    return {"shipping_address": address(), "payment": card(number)}


def place_order(
    api: ShopClient,
    *,
    number: str = APPROVING_CARD,
    key: str | None = None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST /orders with a fresh Idempotency-Key unless `key` is given."""
    return api.post(
        f"{API}/orders",
        json=body if body is not None else order_body(number),
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def get_order(api: ShopClient, order_id: str) -> dict[str, Any]:
    response = api.get(f"{API}/orders/{order_id}")
    assert_status(response, 200)
    return response.json()


def wait_for_terminal(
    api: ShopClient, order_id: str, timeout: float = SETTLE_TIMEOUT_S
) -> dict[str, Any]:
    """Poll the order until its status is terminal; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        order = get_order(api, order_id)
        if order["status"] in TERMINAL_STATUSES:
            return order
        assert time.monotonic() < deadline, f"order {order_id} still {order['status']}"
        time.sleep(0.1)


def checkout(api: ShopClient, *, number: str = APPROVING_CARD) -> dict[str, Any]:
    """Place an order for the basket and wait for it to settle; the settled order."""
    response = place_order(api, number=number)
    assert_status(response, 201)
    return wait_for_terminal(api, response.json()["id"])


def buy(
    admin: ShopClient, api: ShopClient, *, quantity: int = 1, price: int = 1000
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh product with stock, bought by `api` with the approving card: (product, order)."""
    product = create_product(admin, price=price, stock=quantity + 5)
    set_basket_item(api, product["id"], quantity)
    order = checkout(api)
    assert order["status"] == "CONFIRMED", order
    return product, order


def cancel_order(api: ShopClient, order_id: str, key: str | None = None) -> httpx.Response:
    return api.post(
        f"{API}/orders/{order_id}/cancel", headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )
