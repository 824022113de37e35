from flask import Response, jsonify

from shop_monolith.inventory import facade as inventory
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.api.schemas import StockAdjustmentIn
from shop_monolith.web.auth import current_admin
from shop_monolith.web.requests import json_body, pagination, path_uuid


@bp.get("/products/<product_id>/availability")
def availability(product_id: str) -> Response:
    level = inventory.availability(dependencies.session(), path_uuid(product_id, "product_id"))
    return jsonify(product_id=str(level.product_id), available=level.available)


@bp.get("/admin/products/<product_id>/stock")
def stock(product_id: str) -> Response:
    current_admin()
    level = inventory.stock_level(dependencies.session(), path_uuid(product_id, "product_id"))
    return jsonify(serializers.stock(level))


@bp.post("/admin/products/<product_id>/stock-adjustments")
def adjust_stock(product_id: str) -> tuple[Response, int]:
    current_admin()
    product_uuid = path_uuid(product_id, "product_id")
    body = json_body(StockAdjustmentIn)
    level = inventory.adjust_stock(
        dependencies.session(), product_uuid, delta=body.delta, reason=body.reason
    )
    return jsonify(serializers.stock(level)), 201


@bp.get("/admin/products/<product_id>/stock-movements")
def stock_movements(product_id: str) -> Response:
    current_admin()
    product_uuid = path_uuid(product_id, "product_id")
    page, per_page = pagination()
    result = inventory.movements(dependencies.session(), product_uuid, page=page, per_page=per_page)
    return jsonify(serializers.page(result, serializers.movement))
