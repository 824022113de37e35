from flask import Response, jsonify, request

from shop_monolith.customers import facade as customers
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.api.schemas import Registration, TokenRequest
from shop_monolith.web.auth import current_principal
from shop_monolith.web.requests import json_body


@bp.post("/customers")
def register() -> tuple[Response, int, dict[str, str]]:
    body = json_body(Registration)
    customer = customers.register(
        dependencies.session(), email=body.email, password=body.password, name=body.name
    )
    return jsonify(serializers.customer(customer)), 201, {"Location": "/api/v1/customers/me"}


@bp.post("/auth/token")
def issue_token() -> Response:
    body = json_body(TokenRequest)
    settings = dependencies.settings()
    token = customers.log_in(
        dependencies.session(),
        dependencies.login_attempts(),
        email=body.email,
        password=body.password,
        client_address=request.remote_addr or "",
        secret=settings.secret_key,
        ttl_seconds=settings.token_ttl_seconds,
    )
    scheme = "Bearer"
    return jsonify(access_token=token.access_token, token_type=scheme, expires_in=token.expires_in)


@bp.get("/customers/me")
def me() -> Response:
    principal = current_principal()
    return jsonify(
        serializers.customer(customers.get_customer(dependencies.session(), principal.customer_id))
    )
