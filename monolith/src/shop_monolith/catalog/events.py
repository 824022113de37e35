"""The catalog's domain events: a product's whole state travels with each (ADR-0015).

Every change of a product publishes `product_changed`; the changes other contexts most often
act on publish a narrower event as well, in the same transaction: `price_changed` and
`product_deactivated`. A replica applies `product_changed` alone.
"""

from typing import Any

from shop_monolith.catalog.models import Category, Product
from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.formats import money, timestamp

SOURCE = "catalog"


def category_created(category: Category) -> DomainEvent:
    return DomainEvent(SOURCE, "category_created", "category", category.id, _category(category))


def product_created(product: Product) -> DomainEvent:
    return _product_event("product_created", product, {})


def product_changed(product: Product, changed: list[str]) -> DomainEvent:
    return _product_event("product_changed", product, {"changed": sorted(changed)})


def product_deactivated(product: Product) -> DomainEvent:
    return _product_event("product_deactivated", product, {})


def price_changed(product: Product, *, old_amount: int, old_currency: str) -> DomainEvent:
    data = {
        "product_id": str(product.id),
        "sku": product.sku,
        "old_price": money(old_amount, old_currency),
        "new_price": money(product.price_amount, product.price_currency),
        "changed_at": timestamp(product.updated_at),
    }
    return DomainEvent(SOURCE, "price_changed", "product", product.id, data)


def _product_event(kind: str, product: Product, extra: dict[str, Any]) -> DomainEvent:
    return DomainEvent(SOURCE, kind, "product", product.id, {"product": _product(product), **extra})


def _category(category: Category) -> dict[str, Any]:
    return {"id": str(category.id), "slug": category.slug, "name": category.name}


def _product(product: Product) -> dict[str, Any]:
    """The product as the API's ProductPublic shows it."""
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": _category(product.category) if product.category else None,
        "price": money(product.price_amount, product.price_currency),
        "active": product.active,
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
    }
