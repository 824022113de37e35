"""Every failure is a problem+json with the right status and type, never a 500."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_monolith.web.api import bp

TYPE = "https://shop.example/problems/"


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert (body["type"], body["status"]) == (TYPE + code, status)
    assert body["title"] and body["instance"] == response.request.path
    return body  # type: ignore[no-any-return]


def test_not_json_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/customers", data="email=a", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415, "unsupported-media-type")


def test_unparsable_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/customers", data="{nope", content_type="application/json")
    assert_problem(response, 400, "malformed-request")


def test_body_over_the_limit_is_413(client: FlaskClient) -> None:
    response = client.post("/api/v1/customers", json={"name": "x" * 5000})
    assert_problem(response, 413, "payload-too-large")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": "password1", "name": "A"}, "email"),
        ({"email": "a@example.com", "password": "short", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "password1", "name": "A", "admin": True}, "admin"),
        ({"email": "a@example.com", "password": "password1", "name": 7}, "name"),
        ({"email": "a@example.com", "password": "password1", "name": "A\u0000"}, "name"),
        ([1, 2], "(body)"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    client: FlaskClient, body: object, field: str
) -> None:
    problem = assert_problem(client.post("/api/v1/customers", json=body), 422, "validation-error")
    assert field in [error["field"] for error in problem["errors"]]


def test_bad_query_parameters_are_400(client: FlaskClient) -> None:
    for query in ("page=0", "per_page=101", "min_price=-1", "sort=bogus", "page=1e3"):
        problem = assert_problem(client.get(f"/api/v1/products?{query}"), 400, "malformed-request")
        assert problem["errors"][0]["field"] == query.split("=")[0]


def test_non_uuid_ids_are_400_and_unknown_ones_404(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/products/42"), 400, "malformed-request")
    assert_problem(
        client.get("/api/v1/products/9d4c5a0e-2a41-4a3c-8e1c-0d1f9f1e2b3c"), 404, "not-found"
    )


def test_unknown_paths_and_methods(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")
    response = client.delete("/api/v1/products")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


def test_missing_or_bad_tokens_are_401_with_a_challenge(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer junk"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/basket", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(app: Flask) -> None:
    @app.get("/api/v1/__boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    problem = assert_problem(app.test_client().get("/api/v1/__boom"), 500, "internal-error")
    assert "secret" not in str(problem)


def test_request_ids_are_echoed_or_made(client: FlaskClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers[
        "X-Request-ID"
    ]
    assert len(made) == 32 and " " not in made


def test_readiness_checks_the_database(client: FlaskClient) -> None:
    assert client.get("/readyz").json == {"status": "ready"}


def test_the_blueprint_is_mounted_at_api_v1() -> None:
    assert bp.url_prefix == "/api/v1"


def test_control_characters_in_a_search_separate_words(client: FlaskClient) -> None:
    from shop_monolith.web.api.catalog import search_words

    assert search_words("lamp\x00red\tchair") == ("lamp", "red", "chair")
    response = client.get("/api/v1/products?q=lamp%00lamp")
    assert (response.status_code, response.json["total"]) == (200, 0)
