"""Hostile and broken input: always a 4xx problem (or a normal answer), never a 5xx, and
nothing half-written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import spec
from client import (
    API,
    PASSWORD,
    Customer,
    ShopClient,
    create_product,
    money,
    own_connection,
    place_order,
    register_customer,
    set_basket_item,
    unique_email,
    unique_hex,
    unique_sku,
    unique_slug,
)
from problems import assert_any_problem, assert_ok_or_problem, assert_problem, assert_status
from samples import caller_for, sample_body, send

WITH_BODY = spec.select(has_body=True)
LIMIT = 64 * 1024

HOSTILE_STRINGS = [
    "' OR '1'='1",
    "'; DROP TABLE products; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)--",
    "%",
    "_",
    "%_%",
    "\\",
    "*",
    "[a-z]+(",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "\U0001f6d2 lamp \U0001f4a1",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "\u202eevil\u202c",
    "\u0000",
    "lamp\u0000lamp",
    "\ufeff\u200b",
]
IDS = [f"s{n}" for n in range(len(HOSTILE_STRINGS))]


@dataclass
class World:
    """An admin, a customer with a basket, and a product: the valid rest of each request."""

    admin: ShopClient
    anon: ShopClient
    customer: Customer
    product_id: str

    def caller(self, op: spec.Operation) -> ShopClient:
        if op.operation_id == "placeOrder":  # keep the basket full, so only the body is wrong
            set_basket_item(self.customer.api, self.product_id, 1)
        return caller_for(op, admin=self.admin, customer=self.customer.api, anon=self.anon)

    def send(self, op: spec.Operation, *, isolated: bool = False, **overrides: Any) -> Any:
        """Send `op` with `overrides`; `isolated` sends it on a connection of its own."""
        api, path_values = self.caller(op), {"product_id": self.product_id}
        if not isolated:
            return send(api, op, path_values=path_values, **overrides)
        with own_connection(api) as own:
            return send(own, op, path_values=path_values, **overrides)


@pytest.fixture(scope="module")
def world(admin: ShopClient, anon: ShopClient) -> World:
    product = create_product(admin, stock=1000)
    return World(admin, anon, register_customer(anon), product["id"])


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
@pytest.mark.parametrize(
    "content",
    [b'{"broken": ', b"{'single': 'quotes'}", b"", b"\xff\xfe not utf-8", b"{}}"],
    ids=["truncated", "single-quotes", "empty", "not-utf8", "trailing"],
)
def test_unparsable_json_is_a_malformed_request(
    world: World, op: spec.Operation, content: bytes
) -> None:
    response = world.send(op, content=content, headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "malformed-request")


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_unsupported(
    world: World, op: spec.Operation, content_type: str
) -> None:
    body = json.dumps(sample_body(op))
    response = world.send(op, content=body, headers={"Content-Type": content_type})
    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
def test_a_form_body_is_unsupported(world: World, op: spec.Operation) -> None:
    response = world.send(op, data={"quantity": "1", "name": "form"})
    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
def test_a_body_over_64_kib_is_too_large(world: World, op: spec.Operation) -> None:
    body = {**sample_body(op), "padding": "x" * (LIMIT + 1024)}
    response = world.send(op, json=body, isolated=True)
    assert_problem(response, 413, "payload-too-large")


def test_the_connection_stays_usable_after_a_body_too_large(world: World) -> None:
    """After refusing a body unread, the server either closes the connection (and says
    so with `Connection: close`) or keeps it usable for the next request."""
    op = next(op for op in WITH_BODY if op.operation_id == "registerCustomer")
    with own_connection(world.anon) as own:
        for _ in range(10):
            response = send(own, op, json={**sample_body(op), "padding": "x" * 2 * LIMIT})
            assert_problem(response, 413, "payload-too-large")
            if response.headers.get("connection", "").lower() == "close":
                continue
            try:
                after = own.get("/healthz")
            except httpx.TransportError as exc:
                pytest.fail(f"413 said keep-alive, then the connection was dropped: {exc!r}")
            assert_status(after, 200)


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
def test_unknown_fields_are_validation_errors(world: World, op: spec.Operation) -> None:
    body = {**sample_body(op), "is_admin": True}
    assert_problem(world.send(op, json=body), 422, "validation-error")


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
@pytest.mark.parametrize(
    "content",
    [b"[]", b"null", b"42", b'"text"', b"[{}]", b"NaN"],
    ids=["array", "null", "number", "string", "list", "nan"],
)
def test_json_that_is_not_an_object_is_refused(
    world: World, op: spec.Operation, content: bytes
) -> None:
    response = world.send(op, content=content, headers={"Content-Type": "application/json"})
    assert_any_problem(response)
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
def test_deeply_nested_json_is_refused(world: World, op: spec.Operation) -> None:
    depth = 30_000  # 60,000 bytes: under the size limit, far over any recursion limit
    content = b"[" * depth + b"]" * depth
    response = world.send(op, content=content, headers={"Content-Type": "application/json"})
    assert_any_problem(response)


@pytest.mark.parametrize("q", HOSTILE_STRINGS, ids=IDS)
def test_hostile_search_strings_answer_a_normal_page(anon: ShopClient, q: str) -> None:
    response = anon.get(f"{API}/products", params={"q": q})
    assert_status(response, 200)
    spec.assert_conforms(response.json(), "ProductPage")


@pytest.mark.parametrize(
    "category", ["' OR 1=1 --", "\u0000", "\U0001f6d2"], ids=["sql", "nul", "emoji"]
)
def test_hostile_category_filters_find_nothing_or_are_refused(
    anon: ShopClient, category: str
) -> None:
    response = anon.get(f"{API}/products", params={"category": category})
    assert_ok_or_problem(response)
    if response.status_code == 200:
        assert response.json()["items"] == []


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=IDS)
def test_hostile_product_names_round_trip_or_are_refused(
    admin: ShopClient, anon: ShopClient, text: str
) -> None:
    sku = unique_sku()
    body = {"sku": sku, "name": text, "description": text, "price": money(100)}
    response = admin.post(f"{API}/admin/products", json=body)
    assert_ok_or_problem(response)
    if response.status_code == 201:
        stored = anon.get(f"{API}/products/{response.json()['id']}").json()
        assert (stored["name"], stored["description"]) == (text, text)
    else:
        assert response.status_code == 422, response.text
        clean = {**body, "name": "Clean", "description": ""}
        assert_status(admin.post(f"{API}/admin/products", json=clean), 201)


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=IDS)
def test_hostile_category_names_round_trip_or_are_refused(admin: ShopClient, text: str) -> None:
    slug = unique_slug()
    response = admin.post(f"{API}/categories", json={"slug": slug, "name": text})
    assert_ok_or_problem(response)
    categories = admin.get(f"{API}/categories").json()["items"]
    stored = [c["name"] for c in categories if c["slug"] == slug]
    assert stored == ([text] if response.status_code == 201 else [])


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=IDS)
def test_hostile_customer_names_round_trip_or_are_refused(anon: ShopClient, text: str) -> None:
    email = unique_email()
    response = anon.post(
        f"{API}/customers", json={"email": email, "password": PASSWORD, "name": text}
    )
    assert_ok_or_problem(response)
    login = anon.post(f"{API}/auth/token", json={"email": email, "password": PASSWORD})
    if response.status_code == 201:
        me = anon.with_token(login.json()["access_token"]).get(f"{API}/customers/me")
        assert me.json()["name"] == text
    else:
        assert_problem(login, 401, "invalid-credentials")


@pytest.mark.parametrize(
    "template",
    [
        "x{u}' OR '1'='1@example.com",
        "a{u}@b'; DROP TABLE customers; --.com",
        "\U0001f6d2{u}@example.com",
        "nul{u}\u0000@example.com",
        "rtl{u}\u202e@example.com",
        "{u}" + "a" * 250 + "@example.com",
        "user{u}@example.com\nBcc: other@example.com",
    ],
    ids=["sql-local", "sql-domain", "emoji", "nul", "rtl", "too-long", "header-injection"],
)
def test_hostile_emails_are_refused_or_stored_safely(anon: ShopClient, template: str) -> None:
    email = template.format(u=unique_hex())
    response = anon.post(
        f"{API}/customers", json={"email": email, "password": PASSWORD, "name": "Hostile"}
    )
    assert_ok_or_problem(response)
    login = anon.post(f"{API}/auth/token", json={"email": email, "password": PASSWORD})
    assert_ok_or_problem(login)
    if response.status_code != 201:
        assert response.status_code == 422
        # Nothing was registered: the login fails (422 where the email breaks TokenRequest).
        assert login.status_code in (401, 422), login.text


@pytest.mark.parametrize("email", ["' OR 1=1 --", "\u0000", "admin@example.com' --"])
def test_hostile_logins_are_refused(anon: ShopClient, email: str) -> None:
    response = anon.post(f"{API}/auth/token", json={"email": email, "password": "' OR 1=1 --"})
    assert_any_problem(response)
    assert response.status_code in (401, 422)


def test_a_very_long_idempotency_key_is_refused(admin: ShopClient, customer: Customer) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    response = place_order(customer.api, key="k" * 300)
    assert_any_problem(response)
    assert customer.api.get(f"{API}/orders").json()["total"] == 0
