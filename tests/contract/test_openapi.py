"""The shop serves the committed contract, and the contract is well-formed."""

from __future__ import annotations

from collections import Counter

import spec
from client import API, ShopClient
from problems import assert_status, describe, media_type


def test_the_served_document_is_the_committed_contract(anon: ShopClient) -> None:
    response = anon.get(f"{API}/openapi.json")
    assert_status(response, 200)
    assert media_type(response) == "application/json", describe(response)
    assert response.json() == spec.load_spec(), (
        "GET /api/v1/openapi.json differs from contract/openapi.yaml"
    )


def test_operation_ids_are_unique_and_every_operation_is_tagged() -> None:
    ids = Counter(op.operation_id for op in spec.operations())
    assert [name for name, count in ids.items() if count > 1] == []
    assert all(op.tags for op in spec.operations())


def test_every_error_response_is_a_problem() -> None:
    for path, item in spec.load_spec()["paths"].items():
        for method in spec.HTTP_METHODS:
            for status, response in item.get(method, {}).get("responses", {}).items():
                if status.startswith(("4", "5")):
                    content = spec.resolve(response)["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)
