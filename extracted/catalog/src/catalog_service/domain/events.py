"""The catalog's domain events: what happened, with the state a consumer needs (ADR-0015).

The same events, in the same shapes, as the monolith's catalog published at step 2
(contract/events/): a consumer cannot tell which side wrote them.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Price:
    amount: int
    currency: str


@dataclass(frozen=True)
class CategorySnapshot:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class ProductSnapshot:
    """A product as the API's ProductPublic shows it."""

    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: CategorySnapshot | None
    price: Price
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CategoryCreated:
    category: CategorySnapshot


@dataclass(frozen=True)
class ProductCreated:
    product: ProductSnapshot


@dataclass(frozen=True)
class ProductChanged:
    product: ProductSnapshot
    changed: tuple[str, ...]  # attribute names, sorted


@dataclass(frozen=True)
class PriceChanged:
    product: ProductSnapshot
    old_price: Price


@dataclass(frozen=True)
class ProductDeactivated:
    product: ProductSnapshot


Event = CategoryCreated | ProductCreated | ProductChanged | PriceChanged | ProductDeactivated
