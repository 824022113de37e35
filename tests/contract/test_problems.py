"""Errors are RFC 9457 problem details with stable types, whatever the route."""

from __future__ import annotations

import uuid

import pytest
import spec
from client import API, Customer, ShopClient, create_product, register_customer
from problems import assert_problem
from samples import caller_for, send

PAGINATED = [op for op in spec.operations() if op.method == "get" and "page" in op.query_params]
BAD_PAGING = [
    {"page": "0"},
    {"page": "-1"},
    {"page": "abc"},
    {"page": "1.5"},
    {"per_page": "0"},
    {"per_page": "101"},
    {"per_page": "1000"},
    {"per_page": "ten"},
]


@pytest.fixture(scope="module")
def product_id(admin: ShopClient) -> str:
    return create_product(admin)["id"]


@pytest.fixture(scope="module")
def shopper(anon: ShopClient) -> Customer:
    """One customer for the whole module: these requests must not change anything."""
    return register_customer(anon)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/no-such-resource"),
        ("POST", f"{API}/no-such-resource"),
        ("DELETE", f"{API}/no-such-resource/{uuid.uuid4()}"),
        ("GET", f"{API}/products/{uuid.uuid4()}/no-such-part"),
        ("GET", f"{API}/"),
    ],
)
def test_an_unknown_api_path_is_a_not_found_problem(
    anon: ShopClient, method: str, path: str
) -> None:
    assert_problem(anon.request(method, path), 404, "not-found")


def test_an_unknown_product_is_a_not_found_problem(anon: ShopClient) -> None:
    assert_problem(anon.get(f"{API}/products/{uuid.uuid4()}"), 404, "not-found")


@pytest.mark.parametrize("op", spec.with_path_params(), ids=str)
def test_a_non_uuid_path_id_is_a_malformed_request(
    op: spec.Operation, admin: ShopClient, shopper: Customer, anon: ShopClient
) -> None:
    api = caller_for(op, admin=admin, customer=shopper.api, anon=anon)
    response = send(api, op, path_values=dict.fromkeys(op.path_params, "not-a-uuid"))
    assert_problem(response, 400, "malformed-request")


@pytest.mark.parametrize(
    "params", BAD_PAGING, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
@pytest.mark.parametrize("op", PAGINATED, ids=str)
def test_bad_paging_is_a_malformed_request(
    op: spec.Operation,
    params: dict[str, str],
    admin: ShopClient,
    shopper: Customer,
    anon: ShopClient,
    product_id: str,
) -> None:
    api = caller_for(op, admin=admin, customer=shopper.api, anon=anon)
    response = send(api, op, path_values={"product_id": product_id}, params=params)
    assert_problem(response, 400, "malformed-request")


def test_the_operations_under_test_are_read_from_the_contract() -> None:
    assert PAGINATED, "no paginated operation found in openapi.yaml"
    assert spec.with_path_params(), "no operation with path parameters found in openapi.yaml"
