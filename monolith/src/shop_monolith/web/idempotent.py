"""Running a money-moving use case at most once per Idempotency-Key."""

import re
import uuid
from collections.abc import Callable

from flask import request

from shop_monolith.gateways.payment_provider import CardDetails
from shop_monolith.models import Order
from shop_monolith.services import checkout, idempotency, orders
from shop_monolith.services.security import Principal
from shop_monolith.web import dependencies
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
    session = dependencies.session()
    secret = dependencies.settings().secret_key
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


def place_order_once(
    principal: Principal,
    key: str,
    fingerprint_body: object,
    *,
    shipping_address: dict[str, str],
    card: CardDetails,
) -> tuple[Order, int | None]:
    """Check out the caller's basket at most once per key (the API's and the storefront's)."""
    return run_once(
        principal,
        key,
        fingerprint_body,
        lambda claim: checkout.place_order(
            dependencies.session(),
            dependencies.payment_provider(),
            customer_id=principal.customer_id,
            claim=claim,
            shipping_address=shipping_address,
            card=card,
            currency=dependencies.settings().currency,
        ),
    )


def cancel_order_once(
    principal: Principal, key: str, order_id: uuid.UUID
) -> tuple[Order, int | None]:
    """Cancel one of the caller's orders at most once per key."""
    return run_once(
        principal,
        key,
        None,
        lambda claim: orders.cancel(
            dependencies.session(),
            dependencies.payment_provider(),
            customer_id=principal.customer_id,
            order_id=order_id,
            claim=claim,
        ),
    )
