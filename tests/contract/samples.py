"""Valid requests for any operation of the OpenAPI document, so a test can break one thing.

A test that sends a request wrong in exactly one way (no token, a customer's token, a
non-UUID id, a broken body) builds it from here; everything else in it is valid. When the
contract gains an operation with a request body, add a sample body for it below.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from client import ShopClient, money, order_body, unique_email, unique_sku, unique_slug
from spec import Operation

SAMPLE_BODIES: dict[str, Callable[[], Any]] = {
    "createCategory": lambda: {"slug": unique_slug(), "name": "Sample category"},
    "adminCreateProduct": lambda: {"sku": unique_sku(), "name": "Sample", "price": money(100)},
    "adminUpdateProduct": lambda: {"name": "Renamed sample"},
    "adminAdjustStock": lambda: {"delta": 1, "reason": "sample"},
    "registerCustomer": lambda: {
        "email": unique_email(),
        "password": "correct horse battery",
        "name": "Sample",
    },
    "issueToken": lambda: {"email": unique_email(), "password": "not the password"},
    "setBasketItem": lambda: {"quantity": 1},
    "placeOrder": order_body,
}


def sample_body(op: Operation) -> Any:
    assert op.operation_id in SAMPLE_BODIES, (
        f"{op} takes a request body: add a valid sample for {op.operation_id!r} to samples.py"
    )
    return SAMPLE_BODIES[op.operation_id]()


def sample_headers(op: Operation) -> dict[str, str]:
    headers = {}
    for name in op.required_headers:
        assert name == "Idempotency-Key", f"{op} requires header {name}: teach samples.py"
        headers[name] = str(uuid.uuid4())
    return headers


def send(
    api: ShopClient,
    op: Operation,
    *,
    path_values: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    """Send `op` as `api`: given path values (random UUIDs otherwise), a sample body and the
    required headers; keyword arguments (json, content, data) replace the sample body, and
    `headers` are added to (or replace) the required ones."""
    values = {name: str(uuid.uuid4()) for name in op.path_params} | (path_values or {})
    kwargs: dict[str, Any] = {"headers": sample_headers(op) | overrides.pop("headers", {})}
    if op.has_body:
        kwargs["json"] = sample_body(op)
    if "content" in overrides or "data" in overrides:
        kwargs.pop("json", None)
    kwargs.update(overrides)
    return api.request(op.method.upper(), op.url(**values), **kwargs)


def caller_for(
    op: Operation, *, admin: ShopClient, customer: ShopClient, anon: ShopClient
) -> ShopClient:
    """The caller entitled to `op`: the admin for admin routes, a customer for other
    protected routes, nobody for public ones."""
    if op.admin_only:
        return admin
    return customer if op.secured else anon
