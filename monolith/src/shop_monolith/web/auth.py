"""Bearer-token authentication for the API."""

from flask import request

from shop_monolith.customers import facade as customers
from shop_monolith.customers.facade import Principal, verify_token
from shop_monolith.shared.errors import AuthenticationFailed, NotFound, PermissionDenied
from shop_monolith.web import dependencies


def current_principal() -> Principal:
    """The caller, checked against the database so a stale or foreign token is refused."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "unauthorized", "Send a bearer token: Authorization: Bearer <token>."
        )
    claimed = verify_token(token.strip(), secret=dependencies.settings().secret_key)
    try:
        customer = customers.get_customer(dependencies.session(), claimed.customer_id)
    except NotFound as error:
        raise AuthenticationFailed(
            "unauthorized", "The token's customer does not exist."
        ) from error
    return Principal(customer_id=customer.id, role=customer.role)


def current_admin() -> Principal:
    principal = current_principal()
    if not principal.is_admin:
        raise PermissionDenied()
    return principal
