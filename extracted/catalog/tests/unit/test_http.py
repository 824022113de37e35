"""The HTTP adapter on fakes: its routes are the contract's, its answers validate against the
contract, and its problems are the ones the monolith answered."""

import uuid

import pytest
from catalog_fakes import FakeStore
from catalog_http import AsgiClient, bearer, contract, template_of, token, violations

from catalog_service.bootstrap import Catalog
from catalog_service.entrypoints.http.app import create_app

PROBLEM = "application/problem+json"


@pytest.fixture
def http(catalog: Catalog) -> AsgiClient:
    return AsgiClient(create_app(catalog))


def new_product(http: AsgiClient, sku: str = "TEA-1", **fields: object) -> dict[str, object]:
    body = {"sku": sku, "name": "Teapot", "price": {"amount": 1500, "currency": "EUR"}, **fields}
    response = http.request("POST", "/api/v1/admin/products", json=body, headers=bearer())
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_every_route_of_the_service_is_an_operation_of_the_contract(catalog: Catalog) -> None:
    """Same paths, methods and operation ids (the document the app would describe itself with
    is never served; it only lists what the app routes)."""
    described = create_app(catalog).openapi()["paths"]
    operations = {
        (method, path, operation["operationId"])
        for path, item in described.items()
        for method, operation in item.items()
        if method != "head"
    }
    assert len(operations) == 10
    for method, path, operation_id in sorted(operations):
        assert template_of(method, path) == path, f"{method} {path} is not in the contract"
        assert contract()["paths"][path][method]["operationId"] == operation_id


def test_answers_validate_against_the_contract(http: AsgiClient) -> None:
    category = http.request(
        "POST", "/api/v1/categories", json={"slug": "tea", "name": "Tea"}, headers=bearer()
    )
    product = new_product(http, category_id=category.json()["id"])
    product_id = product["id"]
    answers = [
        category,
        http.request("GET", "/api/v1/categories"),
        http.request("GET", f"/api/v1/categories/{category.json()['id']}"),
        http.request("GET", "/api/v1/products?q=teapot&sort=-price&per_page=1"),
        http.request("GET", f"/api/v1/products/{product_id}"),
        http.request("GET", f"/api/v1/products/{uuid.uuid4()}"),
        http.request("GET", "/api/v1/products/not-a-uuid"),
        http.request("GET", "/api/v1/admin/products?active=false", headers=bearer()),
        http.request("GET", f"/api/v1/admin/products/{product_id}", headers=bearer()),
        http.request(
            "PATCH", f"/api/v1/admin/products/{product_id}", json={"name": "Pot"}, headers=bearer()
        ),
        http.request("POST", f"/api/v1/admin/products/{product_id}/deactivate", headers=bearer()),
        http.request("POST", "/api/v1/admin/products", json={"sku": "x"}, headers=bearer()),
    ]
    for answer in answers:
        assert violations(answer) == [], f"{answer.request.method} {answer.request.url}"


def test_a_product_page_links_keep_the_query_with_its_first_values(http: AsgiClient) -> None:
    for number in range(3):
        new_product(http, sku=f"TEA-{number}")
    page = http.request("GET", "/api/v1/products?q=tea&x=1&x=2&per_page=1&page=2").json()
    assert page["links"] == {
        "self": "/api/v1/products?q=tea&x=1&page=2&per_page=1",
        "next": "/api/v1/products?q=tea&x=1&page=3&per_page=1",
        "prev": "/api/v1/products?q=tea&x=1&page=1&per_page=1",
    }
    assert page["total"] == 3


@pytest.mark.parametrize("value", ["1e3", "+1", " 1", "\u0661", "0x1", "1.0", "9" * 13])
def test_integer_look_alikes_are_a_bad_request(http: AsgiClient, value: str) -> None:
    response = http.request("GET", "/api/v1/products", params={"page": value})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "page", "message": "must be a whole number written with the digits 0-9"}
    ]


def test_head_answers_gets_status_and_headers_without_a_body(http: AsgiClient) -> None:
    product_id = new_product(http)["id"]
    for path in ["/api/v1/products", f"/api/v1/products/{product_id}", "/api/v1/products/x"]:
        same_id = {"X-Request-ID": "head-and-get"}
        get = http.request("GET", path, headers=same_id)
        head = http.request("HEAD", path, headers=same_id)
        assert head.status_code == get.status_code
        assert head.headers == get.headers
        assert head.content == b""


def test_a_valid_request_id_is_echoed_and_a_missing_or_bad_one_replaced(http: AsgiClient) -> None:
    given = http.request("GET", "/healthz", headers={"X-Request-ID": "abc.123:x-y_z"})
    assert given.headers["x-request-id"] == "abc.123:x-y_z"
    for headers in ({}, {"X-Request-ID": "not valid!"}, {"X-Request-ID": "x" * 129}):
        made = http.request("GET", "/healthz", headers=headers).headers["x-request-id"]
        assert len(made) == 32 and made != headers.get("X-Request-ID")


def test_unknown_paths_and_methods_are_problems(http: AsgiClient) -> None:
    missing = http.request("GET", "/api/v1/nothing")
    assert (missing.status_code, missing.json()["type"]) == (
        404,
        "https://shop.example/problems/not-found",
    )
    wrong = http.request("DELETE", "/api/v1/products")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, HEAD, OPTIONS"
    assert wrong.headers["content-type"] == PROBLEM
    product = http.request("PUT", f"/api/v1/admin/products/{uuid.uuid4()}")
    assert product.headers["allow"] == "GET, HEAD, OPTIONS, PATCH"
    options = http.request("OPTIONS", "/api/v1/categories")
    assert options.status_code == 200 and options.content == b""
    assert options.headers["allow"] == "GET, HEAD, OPTIONS, POST"


# Made when the test runs (tokens expire): the Authorization header each case sends.
CREDENTIALS = {
    "none": lambda: None,
    "basic": lambda: "Basic abc",
    "not a JWT": lambda: "Bearer not-a-jwt",
    "another key": lambda: f"Bearer {token(secret='another-key-of-32-bytes-or-more!!')}",
    "expired": lambda: f"Bearer {token(expires_in=-1)}",
    "a customer's": lambda: f"Bearer {token('customer')}",
}


@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        ("none", 401),
        ("basic", 401),
        ("not a JWT", 401),
        ("another key", 401),
        ("expired", 401),
        ("a customer's", 403),
    ],
)
def test_admin_routes_need_an_admins_valid_token(
    http: AsgiClient, credentials: str, status: int
) -> None:
    authorization = CREDENTIALS[credentials]()
    headers = {"Authorization": authorization} if authorization else {}
    response = http.request("POST", "/api/v1/admin/products", json={}, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="shop"'


@pytest.mark.parametrize(
    ("content", "content_type", "status", "slug"),
    [
        (b"{", "application/json", 400, "malformed-request"),
        (b"[]", "application/json", 422, "validation-error"),
        (b'{"sku": "TEA-9"}', "text/plain", 415, "unsupported-media-type"),
        (b"x" * (64 * 1024 + 1), "application/json", 413, "payload-too-large"),
        (
            b'{"sku":"TEA-9","name":"Pot","price":{"amount":"1","currency":"EUR"}}',
            "application/json",
            422,
            "validation-error",
        ),
        (
            b'{"sku":"TEA-9","name":"Pot","price":{"amount":1,"currency":"EUR"},"x":1}',
            "application/json",
            422,
            "validation-error",
        ),
    ],
)
def test_bad_bodies_are_problems_and_write_nothing(
    http: AsgiClient, store: FakeStore, content: bytes, content_type: str, status: int, slug: str
) -> None:
    headers = {**bearer(), "Content-Type": content_type}
    response = http.request("POST", "/api/v1/admin/products", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"https://shop.example/problems/{slug}"
    assert store.products == {} and store.outbox == []


def test_a_write_reaching_the_replica_is_refused_with_the_owner_named(
    http: AsgiClient, store: FakeStore
) -> None:
    store.owner = "monolith"
    body = {"slug": "tea", "name": "Tea"}
    response = http.request("POST", "/api/v1/categories", json=body, headers=bearer())
    assert response.status_code == 409
    assert response.json()["type"] == "https://shop.example/problems/writes-elsewhere"
    assert response.json()["owner"] == "monolith"


@pytest.mark.parametrize(
    ("host", "answered"),
    [
        ("localhost", 200),
        ("127.0.0.1:8000", 200),
        ("evil.example", 400),
        ("LOCALHOST", 400),
        ("localhost.", 400),
    ],
)
def test_only_a_trusted_host_is_answered_as_the_monolith_does(
    http: AsgiClient, host: str, answered: int
) -> None:
    response = http.request("GET", "/api/v1/products", headers={"Host": host})
    assert response.status_code == answered
    if answered == 400:
        assert response.json()["detail"] == f"Host {host!r} is not trusted."
        assert response.headers["content-type"] == PROBLEM
