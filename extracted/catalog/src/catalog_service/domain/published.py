"""The catalog's published language: products, categories, prices and times as JSON, the
same in the API's answers and in the events' data (contract/openapi.yaml, contract/events/)."""

import uuid
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


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def category_from_json(data: dict[str, Any]) -> events.CategorySnapshot:
    return events.CategorySnapshot(id=uuid.UUID(data["id"]), slug=data["slug"], name=data["name"])


def product_from_json(data: dict[str, Any]) -> events.ProductSnapshot:
    """The inverse of `product_json`; KeyError, ValueError or TypeError on a malformed one."""
    price = data["price"]
    category = data["category"]
    return events.ProductSnapshot(
        id=uuid.UUID(data["id"]),
        sku=str(data["sku"]),
        name=str(data["name"]),
        description=str(data["description"]),
        category=category_from_json(category) if category is not None else None,
        price=events.Price(amount=int(price["amount"]), currency=str(price["currency"])),
        active=bool(data["active"]),
        created_at=parse_timestamp(data["created_at"]),
        updated_at=parse_timestamp(data["updated_at"]),
    )
