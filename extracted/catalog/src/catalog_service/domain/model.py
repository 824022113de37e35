"""Entities and value objects of the catalog, and the rules of changing them."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from catalog_service.domain import events as happened
from catalog_service.domain.errors import InvalidValue

_SKU = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
_CURRENCY = re.compile(r"[A-Z]{3}")
MAX_PRICE = 100_000_000


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of an ISO 4217 currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not 0 <= self.amount <= MAX_PRICE:
            raise InvalidValue("price.amount", f"must be between 0 and {MAX_PRICE}")
        if not _CURRENCY.fullmatch(self.currency):
            raise InvalidValue("price.currency", "must be three capital letters")


@dataclass(frozen=True)
class Sku:
    value: str

    def __post_init__(self) -> None:
        if not _SKU.fullmatch(self.value):
            raise InvalidValue("sku", "must be 2 to 32 of A-Z, 0-9 and -, not starting with -")


@dataclass(eq=False)  # an entity: the same object, not equal fields
class Category:
    id: uuid.UUID
    slug: str
    name: str
    events: list[happened.Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(cls, *, slug: str, name: str) -> "Category":
        category = cls(id=uuid.uuid4(), slug=slug, name=name)
        category.events.append(happened.CategoryCreated(category.snapshot()))
        return category

    def snapshot(self) -> happened.CategorySnapshot:
        return happened.CategorySnapshot(id=self.id, slug=self.slug, name=self.name)


# What an admin may change on a product, by attribute name.
EDITABLE = frozenset({"name", "description", "category", "price", "active"})


@dataclass(eq=False)
class Product:
    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: Category | None
    price: Money
    active: bool
    created_at: datetime
    updated_at: datetime
    events: list[happened.Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(
        cls,
        *,
        sku: Sku,
        name: str,
        description: str,
        category: Category | None,
        price: Money,
        now: datetime,
    ) -> "Product":
        product = cls(
            id=uuid.uuid4(),
            sku=sku.value,
            name=name,
            description=description,
            category=category,
            price=price,
            active=True,
            created_at=now,
            updated_at=now,
        )
        product.events.append(happened.ProductCreated(product.snapshot()))
        return product

    def change(self, changes: dict[str, object], *, now: datetime) -> None:
        """Apply `changes` (attribute -> new value). Records product_changed, and price_changed
        and product_deactivated where they apply; setting the values the product has already
        is no change at all."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        changed = _changed_fields(self, changes)
        if not changed:
            return
        old_price, was_active = self.price, self.active
        for name, value in changes.items():
            setattr(self, name, value)
        self.updated_at = now
        snapshot = self.snapshot()
        self.events.append(happened.ProductChanged(snapshot, changed))
        if self.price != old_price:
            self.events.append(happened.PriceChanged(snapshot, old_price=_price(old_price)))
        if was_active and not self.active:
            self.events.append(happened.ProductDeactivated(snapshot))

    def snapshot(self) -> happened.ProductSnapshot:
        return happened.ProductSnapshot(
            id=self.id,
            sku=self.sku,
            name=self.name,
            description=self.description,
            category=self.category.snapshot() if self.category else None,
            price=_price(self.price),
            active=self.active,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


def _changed_fields(product: Product, changes: dict[str, object]) -> tuple[str, ...]:
    """The names of the fields `changes` would change, as events and the API name them."""
    names: set[str] = set()
    for name, value in changes.items():
        if name == "price" and isinstance(value, Money):
            if value.amount != product.price.amount:
                names.add("price_amount")
            if value.currency != product.price.currency:
                names.add("price_currency")
        elif name == "category":
            if _id(value) != _id(product.category):
                names.add("category_id")
        elif getattr(product, name) != value:
            names.add(name)
    return tuple(sorted(names))


def _id(category: object) -> uuid.UUID | None:
    return category.id if isinstance(category, Category) else None


def _price(money: Money) -> happened.Price:
    return happened.Price(amount=money.amount, currency=money.currency)
