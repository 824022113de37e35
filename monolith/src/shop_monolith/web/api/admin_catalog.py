from typing import Any

from flask import Response, jsonify

from shop_monolith.catalog import facade as catalog
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.api.schemas import CategoryCreate, ProductCreate, ProductUpdate
from shop_monolith.web.auth import current_admin
from shop_monolith.web.requests import json_body, pagination, path_uuid, query_bool


@bp.post("/categories")
def create_category() -> tuple[Response, int, dict[str, str]]:
    current_admin()
    body = json_body(CategoryCreate)
    item = catalog.create_category(dependencies.session(), slug=body.slug, name=body.name)
    return jsonify(serializers.category(item)), 201, {"Location": f"/api/v1/categories/{item.id}"}


@bp.get("/admin/products")
def admin_list_products() -> Response:
    current_admin()
    page, per_page = pagination()
    result = catalog.search_products(
        dependencies.session(),
        active=query_bool("active"),
        sort="newest",
        page=page,
        per_page=per_page,
    )
    return jsonify(serializers.page(result, serializers.product))


@bp.post("/admin/products")
def admin_create_product() -> tuple[Response, int, dict[str, str]]:
    current_admin()
    body = json_body(ProductCreate)
    item = catalog.create_product(
        dependencies.session(),
        sku=body.sku,
        name=body.name,
        description=body.description,
        category_id=body.category_id,
        price_amount=body.price.amount,
        price_currency=body.price.currency,
        shop_currency=dependencies.settings().currency,
    )
    location = f"/api/v1/admin/products/{item.id}"
    return jsonify(serializers.product(item)), 201, {"Location": location}


@bp.get("/admin/products/<product_id>")
def admin_get_product(product_id: str) -> Response:
    current_admin()
    item = catalog.get_product(
        dependencies.session(), path_uuid(product_id, "product_id"), include_inactive=True
    )
    return jsonify(serializers.product(item))


@bp.patch("/admin/products/<product_id>")
def admin_update_product(product_id: str) -> Response:
    current_admin()
    product_uuid = path_uuid(product_id, "product_id")
    body = json_body(ProductUpdate)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"price"})
    if body.price is not None:
        changes.update(price_amount=body.price.amount, price_currency=body.price.currency)
    item = catalog.update_product(
        dependencies.session(),
        product_uuid,
        changes,
        shop_currency=dependencies.settings().currency,
    )
    return jsonify(serializers.product(item))


@bp.post("/admin/products/<product_id>/deactivate")
def admin_deactivate_product(product_id: str) -> Response:
    current_admin()
    item = catalog.deactivate_product(
        dependencies.session(),
        path_uuid(product_id, "product_id"),
        shop_currency=dependencies.settings().currency,
    )
    return jsonify(serializers.product(item))
