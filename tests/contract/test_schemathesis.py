"""Property-based conformance: Schemathesis generates valid requests for every operation of
the committed contract and checks every answer against it.

Admin operations run with the admin's token, all others with a fresh customer's: the point
is to reach the handlers, not to be refused at the door (test_security covers the door).
"""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
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
    operation = SCHEMA[op.path][op.method.upper()]

    @hypothesis.settings(
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
