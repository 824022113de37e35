"""The catalog's published language: products, categories, prices and times as JSON, the
same in the API's answers and in the events' data (contract/openapi.yaml, contract/events/)."""

from datetime import UTC, datetime
from typing import Any

from catalog_service.domain import events


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes times."""
    if value.tzinfo is None:  # SQLite hands back naive datetimes, written in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def price_json(price: events.Price) -> dict[str, Any]:
    return {"amount": price.amount, "currency": price.currency}


def category_json(category: events.CategorySnapshot) -> dict[str, Any]:
    return {"id": str(category.id), "slug": category.slug, "name": category.name}


def product_json(product: events.ProductSnapshot) -> dict[str, Any]:
    """The product as the API's ProductPublic shows it."""
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": category_json(product.category) if product.category else None,
        "price": price_json(product.price),
        "active": product.active,
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
    }
