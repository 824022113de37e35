"""Health endpoints and request ids: what operators and the proxy rely on."""

from __future__ import annotations

import pytest
from client import API, ShopClient, unique_hex
from problems import assert_status, describe


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_200(anon: ShopClient, path: str) -> None:
    assert_status(anon.get(path), 200)


@pytest.mark.parametrize(
    "path", ["/healthz", f"{API}/categories", f"{API}/no-such-resource", f"{API}/customers/me"]
)
def test_a_sent_request_id_is_echoed(anon: ShopClient, path: str) -> None:
    request_id = f"contract-{unique_hex(16)}"
    response = anon.get(path, headers={"X-Request-ID": request_id})
    assert response.headers.get("x-request-id") == request_id, describe(response)


@pytest.mark.parametrize("path", ["/healthz", f"{API}/products", f"{API}/no-such-resource"])
def test_a_request_id_is_generated_when_none_is_sent(anon: ShopClient, path: str) -> None:
    first = anon.get(path).headers.get("x-request-id")
    second = anon.get(path).headers.get("x-request-id")
    assert first, "no X-Request-ID on the response"
    assert second, "no X-Request-ID on the response"
    assert first != second, "generated request ids must differ between requests"
