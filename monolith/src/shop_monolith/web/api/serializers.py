"""Models -> JSON-ready dicts, in the shapes the OpenAPI document defines."""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import request

from shop_monolith.basket.facade import BasketView
from shop_monolith.catalog.facade import CategoryView, ProductView
from shop_monolith.customers.facade import CustomerView
from shop_monolith.inventory.facade import MovementView, StockLevel
from shop_monolith.ordering.facade import OrderView
from shop_monolith.shared.formats import money, timestamp
from shop_monolith.shared.pages import Page

T = TypeVar("T")
Json = dict[str, Any]


def category(item: CategoryView) -> Json:
    return {"id": str(item.id), "slug": item.slug, "name": item.name}


def product(item: ProductView) -> Json:
    return {
        "id": str(item.id),
        "sku": item.sku,
        "name": item.name,
        "description": item.description,
        "category": category(item.category) if item.category else None,
        "price": money(item.price_amount, item.price_currency),
        "active": item.active,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def stock(level: StockLevel) -> Json:
    return {
        "product_id": str(level.product_id),
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
    }


def movement(item: MovementView) -> Json:
    return {
        "id": str(item.id),
        "product_id": str(item.product_id),
        "delta": item.delta,
        "kind": item.kind,
        "reason": item.reason,
        "order_id": str(item.order_id) if item.order_id else None,
        "created_at": timestamp(item.created_at),
    }


def customer(item: CustomerView) -> Json:
    return {
        "id": str(item.id),
        "email": item.email,
        "name": item.name,
        "role": item.role,
        "created_at": timestamp(item.created_at),
    }


def basket(view: BasketView) -> Json:
    lines = [
        {
            "product_id": str(line.product_id),
            "sku": line.product.sku,
            "name": line.product.name,
            "unit_price": money(line.product.price_amount, view.currency),
            "quantity": line.quantity,
            "line_total": money(line.product.price_amount * line.quantity, view.currency),
        }
        for line in view.lines
    ]
    return {
        "lines": lines,
        "item_count": view.item_count,
        "total": money(view.total, view.currency),
    }


def order(item: OrderView) -> Json:
    return {
        "id": str(item.id),
        "customer_id": str(item.customer_id),
        "status": item.status,
        "rejection_reason": item.rejection_reason,
        "lines": [
            {
                "product_id": str(line.product_id),
                "sku": line.sku,
                "name": line.name,
                "unit_price": money(line.unit_price_amount, item.currency),
                "quantity": line.quantity,
                "line_total": money(line.unit_price_amount * line.quantity, item.currency),
            }
            for line in item.lines
        ],
        "total": money(item.total_amount, item.currency),
        "shipping_address": item.shipping_address,
        "payment": {"status": item.payment.status, "card_last4": item.payment.card_last4},
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def page(result: Page[T], serialise: Callable[[T], Json]) -> Json:
    return {
        "items": [serialise(item) for item in result.items],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
        "links": {
            "self": _page_link(result.page, result.per_page),
            "next": _page_link(result.page + 1, result.per_page) if result.has_next else None,
            "prev": _page_link(result.page - 1, result.per_page) if result.has_prev else None,
        },
    }


def _page_link(number: int, per_page: int) -> str:
    query = {key: value for key, value in request.args.items() if key not in ("page", "per_page")}
    query.update(page=str(number), per_page=str(per_page))
    return f"{request.path}?{urlencode(query)}"
