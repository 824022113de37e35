"""Running a money-moving use case at most once per Idempotency-Key."""

import re
from collections.abc import Callable

from flask import request

from shop_monolith.models import Order
from shop_monolith.services import idempotency, orders
from shop_monolith.services.security import Principal
from shop_monolith.web import database
from shop_monolith.web.problems import ApiProblem

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise ApiProblem(
            "idempotency-key-missing", "Send an Idempotency-Key header (a UUID will do)."
        )
    if not _VALID_KEY.match(key):
        raise ApiProblem(
            "malformed-request",
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            errors=[{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}],
        )
    return key


def run_once(
    principal: Principal, key: str, body: object, use_case: Callable[[idempotency.Claim], Order]
) -> tuple[Order, int | None]:
    """The order the use case made, and the status to replay if it had run already."""
    session = database.session()
    secret = database.settings().secret_key
    request_fingerprint = idempotency.fingerprint(request.method, request.path, body, secret=secret)
    claim = idempotency.claim(session, principal.customer_id, key, request_fingerprint)
    if claim.is_replay:
        assert claim.resource_id is not None
        order = orders.get_for_customer(session, principal.customer_id, claim.resource_id)
        return order, claim.replay_status
    try:
        return use_case(claim), None
    except BaseException:
        idempotency.release(session, claim)
        raise
