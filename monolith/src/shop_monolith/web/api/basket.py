from flask import Response, jsonify

from shop_monolith.basket import facade as basket
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.api.schemas import BasketQuantity
from shop_monolith.web.auth import current_principal
from shop_monolith.web.requests import json_body, path_uuid


@bp.get("/basket")
def get_basket() -> Response:
    principal = current_principal()
    view = basket.view(
        dependencies.session(), principal.customer_id, currency=dependencies.settings().currency
    )
    return jsonify(serializers.basket(view))


@bp.delete("/basket")
def clear_basket() -> tuple[str, int]:
    principal = current_principal()
    basket.clear(dependencies.session(), principal.customer_id)
    return "", 204


@bp.put("/basket/items/<product_id>")
def set_item(product_id: str) -> Response:
    principal = current_principal()
    product_uuid = path_uuid(product_id, "product_id")
    body = json_body(BasketQuantity)
    view = basket.set_quantity(
        dependencies.session(),
        principal.customer_id,
        product_uuid,
        body.quantity,
        currency=dependencies.settings().currency,
    )
    return jsonify(serializers.basket(view))


@bp.delete("/basket/items/<product_id>")
def remove_item(product_id: str) -> Response:
    principal = current_principal()
    view = basket.remove(
        dependencies.session(),
        principal.customer_id,
        path_uuid(product_id, "product_id"),
        currency=dependencies.settings().currency,
    )
    return jsonify(serializers.basket(view))
