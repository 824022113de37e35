"""Property-based conformance: Schemathesis generates valid requests for every operation of
the committed contract and checks every answer against it.

Admin operations run with the admin's token, all others with a fresh customer's: the point
is to reach the handlers, not to be refused at the door (test_security covers the door).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import requests
import schemathesis
import spec
from client import Customer, ShopClient, ShopUnderTest, register_customer
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SCHEMA = schemathesis.openapi.from_path(spec.SPEC_PATH)
# Valid requests only (the bad-input tests send the invalid ones, with exact expectations),
# and no generated Authorization header: the test sends a real token.
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE], with_security_parameters=False
)


# The same contract, except that every integer query parameter may also be a string that
# only looks like an integer: each such request must be refused with a documented 400 problem.
# (Plain generation sends well-formed integers, so a parser that accepts what `str.isdigit`
# accepts and then crashes in `int()` would pass it.)
LOOKALIKE = "integer-lookalike"
schemathesis.openapi.format(
    LOOKALIKE,
    st.one_of(
        st.sampled_from(["--1", "+1", " 1", "1 ", "1e3", "1.0", "0x1", "1_0", "-", "\u00b2"]),
        st.from_regex(r"\A[-+ ]{0,3}[0-9\u00b2\u0661\u0967\uff11]{1,4}[eE.]?[0-9]{0,2}\Z"),
        st.integers(min_value=10**12).map(str),
        st.integers(max_value=-(10**12)).map(str),
    ),
)


def with_integer_lookalikes(document: dict[str, Any]) -> dict[str, Any]:
    widened = copy.deepcopy(document)
    parameters = list(widened["components"]["parameters"].values())
    for item in widened["paths"].values():
        for operation in [item, *(item.get(method, {}) for method in spec.HTTP_METHODS)]:
            parameters += [p for p in operation.get("parameters", []) if "$ref" not in p]
    for parameter in parameters:
        if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
            lookalike = {"type": "string", "format": LOOKALIKE}
            parameter["schema"] = {"anyOf": [parameter["schema"], lookalike]}
    return widened


LOOKALIKE_SCHEMA = schemathesis.openapi.from_dict(with_integer_lookalikes(spec.load_spec()))
LOOKALIKE_SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE], with_security_parameters=False
)
WITH_INTEGER_QUERY = [op for op in spec.operations() if op.integer_query_params]


@pytest.fixture(scope="module")
def fuzzing_customer(anon: ShopClient) -> Customer:
    return register_customer(anon, name="Schemathesis")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


@pytest.mark.parametrize("op", spec.operations(), ids=str)
def test_operation_conforms_to_the_contract(
    op: spec.Operation,
    shop: ShopUnderTest,
    admin: ShopClient,
    fuzzing_customer: Customer,
    session: requests.Session,
) -> None:
    api = admin if op.admin_only else fuzzing_customer.api
    fuzz(SCHEMA[op.path][op.method.upper()], shop, api, session)


@pytest.mark.parametrize("op", WITH_INTEGER_QUERY, ids=str)
def test_integer_lookalikes_in_query_parameters_are_refused_as_documented(
    op: spec.Operation,
    shop: ShopUnderTest,
    admin: ShopClient,
    fuzzing_customer: Customer,
    session: requests.Session,
) -> None:
    api = admin if op.admin_only else fuzzing_customer.api
    # The same examples every run: `make steps` expects an older tag to fail this test for
    # the same operations every time (tests/contract/known-failures.toml).
    fuzz(LOOKALIKE_SCHEMA[op.path][op.method.upper()], shop, api, session, derandomize=True)


def fuzz(
    operation: Any,
    shop: ShopUnderTest,
    api: ShopClient,
    session: requests.Session,
    *,
    derandomize: bool = False,
) -> None:
    """Generate requests for one operation and check every answer against the contract."""

    @hypothesis.settings(
        derandomize=derandomize,
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def exchange(case: schemathesis.Case) -> None:
        headers = {"Authorization": f"Bearer {api.current_token()}"}
        case.call_and_validate(
            base_url=shop.base_url, session=session, headers=headers, checks=CHECKS, timeout=20
        )

    exchange()
