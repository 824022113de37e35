"""Registration, login, the current customer, and what a token must be to be accepted."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from client import API, PASSWORD, Customer, ShopClient, unique_email, unique_hex
from problems import assert_problem, assert_status, describe
from spec import assert_conforms


def registration(**overrides: Any) -> dict[str, Any]:
    return {"email": unique_email(), "password": PASSWORD, "name": "Grace Hopper", **overrides}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_register_answers_201_with_the_customer(anon: ShopClient) -> None:
    body = registration()
    response = anon.post(f"{API}/customers", json=body)
    assert_status(response, 201)
    assert response.headers.get("location"), describe(response)
    customer = response.json()
    assert_conforms(customer, "Customer")
    assert (customer["email"], customer["name"], customer["role"]) == (
        body["email"],
        "Grace Hopper",
        "customer",
    )
    assert PASSWORD not in response.text
    assert "password" not in customer


def test_email_is_normalised_to_lower_case(anon: ShopClient) -> None:
    email = f"Mixed.Case.{unique_hex()}@Example.COM"
    response = anon.post(f"{API}/customers", json=registration(email=email))
    assert_status(response, 201)
    assert response.json()["email"] == email.lower()


@pytest.mark.parametrize("transform", [str, str.upper], ids=["same", "upper-case"])
def test_a_taken_email_is_a_conflict(
    anon: ShopClient, customer: Customer, transform: Callable[[str], str]
) -> None:
    body = registration(email=transform(customer.email), name="Someone Else")
    response = anon.post(f"{API}/customers", json=body)
    assert_problem(response, 409, "email-taken")
    assert_status(
        anon.post(f"{API}/auth/token", json={"email": customer.email, "password": PASSWORD}), 200
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "two@@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"email": 42}, "email"),
        ({"password": "short7c"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"role": "admin"}, None),
    ],
)
def test_invalid_registrations_are_refused(
    anon: ShopClient, overrides: dict[str, Any], field: str | None
) -> None:
    response = anon.post(f"{API}/customers", json=registration(**overrides))
    assert_problem(response, 422, "validation-error", field=field)


@pytest.mark.parametrize("missing", ["email", "password", "name"])
def test_required_registration_fields(anon: ShopClient, missing: str) -> None:
    body = registration()
    del body[missing]
    assert_problem(anon.post(f"{API}/customers", json=body), 422, "validation-error", field=missing)


def test_login_answers_a_bearer_token(anon: ShopClient, customer: Customer) -> None:
    response = anon.post(f"{API}/auth/token", json={"email": customer.email, "password": PASSWORD})
    assert_status(response, 200)
    token = response.json()
    assert_conforms(token, "Token")
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 0
    me = anon.with_token(token["access_token"]).get(f"{API}/customers/me")
    assert_status(me, 200)
    assert me.json()["id"] == customer.id


def test_bad_credentials_are_refused_alike(anon: ShopClient, customer: Customer) -> None:
    wrong_password = anon.post(
        f"{API}/auth/token", json={"email": customer.email, "password": PASSWORD + "!"}
    )
    unknown_email = anon.post(
        f"{API}/auth/token", json={"email": unique_email(), "password": PASSWORD}
    )
    first = assert_problem(wrong_password, 401, "invalid-credentials")
    second = assert_problem(unknown_email, 401, "invalid-credentials")
    comparable = ("type", "title", "status", "detail")
    assert {k: first.get(k) for k in comparable} == {k: second.get(k) for k in comparable}


@pytest.mark.parametrize(
    "body",
    [{"email": "someone@example.com"}, {"password": PASSWORD}, {"email": 1, "password": 2}],
)
def test_invalid_login_requests_are_refused(anon: ShopClient, body: dict[str, Any]) -> None:
    assert_problem(anon.post(f"{API}/auth/token", json=body), 422, "validation-error")


def test_me_is_the_token_owner(customer: Customer) -> None:
    response = customer.api.get(f"{API}/customers/me")
    assert_status(response, 200)
    me = response.json()
    assert_conforms(me, "Customer")
    assert (me["id"], me["email"], me["name"], me["role"]) == (
        customer.id,
        customer.email,
        customer.name,
        "customer",
    )


def test_the_admin_has_the_admin_role(admin: ShopClient) -> None:
    response = admin.get(f"{API}/customers/me")
    assert_status(response, 200)
    assert response.json()["role"] == "admin"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer garbage", "Bearer", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "garbage"],
)
def test_garbage_tokens_are_unauthorized(anon: ShopClient, authorization: str) -> None:
    response = anon.get(f"{API}/customers/me", headers={"Authorization": authorization})
    assert_problem(response, 401, "unauthorized")


def test_tampered_tokens_are_unauthorized(anon: ShopClient, customer: Customer) -> None:
    token = customer.api.token
    assert token is not None
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    forged = [flipped, token + "x", token[:-10]]
    parts = token.split(".")
    if len(parts) == 3:  # a JWT: forge the claims, and try the unsigned variant
        claims = json.loads(b64url_decode(parts[1]))
        claims = {**claims, "role": "admin", "exp": 4102444800}
        forged_claims = b64url(json.dumps(claims).encode())
        unsigned = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        forged += [f"{parts[0]}.{forged_claims}.{parts[2]}", f"{unsigned}.{forged_claims}."]
    for bad in forged:
        response = anon.with_token(bad).get(f"{API}/customers/me")
        assert_problem(response, 401, "unauthorized")
        response = anon.with_token(bad).get(f"{API}/admin/orders")
        assert_problem(response, 401, "unauthorized")
