from flask import Response, jsonify

from shop_monolith.ordering import facade as orders
from shop_monolith.payments.facade import CardDetails
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.api.schemas import OrderCreate
from shop_monolith.web.auth import current_admin, current_principal
from shop_monolith.web.requests import (
    idempotency_key,
    json_body,
    pagination,
    path_uuid,
    query_str,
    request_fingerprint,
)


@bp.get("/orders")
def list_mine() -> Response:
    principal = current_principal()
    page, per_page = pagination()
    result = orders.list_for_customer(
        dependencies.session(), principal.customer_id, page=page, per_page=per_page
    )
    return jsonify(serializers.page(result, serializers.order))


@bp.post("/orders")
def place() -> tuple[Response, int, dict[str, str]]:
    principal = current_principal()
    key = idempotency_key()
    body = json_body(OrderCreate)
    order, replayed = orders.place_order_once(
        dependencies.session(),
        dependencies.payment_provider(),
        customer_id=principal.customer_id,
        key=key,
        request_fingerprint=request_fingerprint(
            body.model_dump(mode="json", exclude={"payment": {"cvc"}})
        ),
        shipping_address=body.shipping_address.model_dump(exclude_unset=True),
        card=CardDetails(**body.payment.model_dump()),
        currency=dependencies.settings().currency,
    )
    location = f"/api/v1/orders/{order.id}"
    return jsonify(serializers.order(order)), replayed or 201, {"Location": location}


@bp.get("/orders/<order_id>")
def get_mine(order_id: str) -> Response:
    principal = current_principal()
    order = orders.get_for_customer(
        dependencies.session(), principal.customer_id, path_uuid(order_id, "order_id")
    )
    return jsonify(serializers.order(order))


@bp.post("/orders/<order_id>/cancel")
def cancel(order_id: str) -> tuple[Response, int]:
    principal = current_principal()
    order_uuid = path_uuid(order_id, "order_id")
    key = idempotency_key()
    order, replayed = orders.cancel_once(
        dependencies.session(),
        dependencies.payment_provider(),
        customer_id=principal.customer_id,
        order_id=order_uuid,
        key=key,
        request_fingerprint=request_fingerprint(),
    )
    return jsonify(serializers.order(order)), replayed or 200


@bp.get("/admin/orders")
def list_all() -> Response:
    current_admin()
    page, per_page = pagination()
    status = query_str("status", max_length=16, choices=orders.STATUSES)
    result = orders.list_all(dependencies.session(), status=status, page=page, per_page=per_page)
    return jsonify(serializers.page(result, serializers.order))


@bp.post("/admin/orders/<order_id>/ship")
def ship(order_id: str) -> Response:
    current_admin()
    order = orders.ship(dependencies.session(), path_uuid(order_id, "order_id"))
    return jsonify(serializers.order(order))
