"""The catalog's use cases: one function each, given a unit of work and plain values."""

import uuid
from collections.abc import Callable
from datetime import datetime

from catalog_service.domain.errors import (
    InvalidValue,
    NotFound,
    SkuTaken,
    SlugTaken,
    WritesElsewhere,
)
from catalog_service.domain.events import CategorySnapshot, ProductSnapshot
from catalog_service.domain.model import Category, Money, Product, Sku
from catalog_service.service_layer.unit_of_work import AbstractUnitOfWork

OWNER = "catalog"  # the name of this side in the ownership record (ADR-0018)
Clock = Callable[[], datetime]


def create_category(uow: AbstractUnitOfWork, *, slug: str, name: str) -> CategorySnapshot:
    with uow:
        _check_owner(uow)
        if uow.categories.slug_exists(slug):
            raise SlugTaken(slug)
        category = Category.create(slug=slug, name=name)
        uow.categories.add(category)
        snapshot = category.snapshot()
        uow.commit()
        return snapshot


def create_product(
    uow: AbstractUnitOfWork,
    clock: Clock,
    *,
    sku: str,
    name: str,
    description: str,
    category_id: uuid.UUID | None,
    price: Money,
    shop_currency: str,
) -> ProductSnapshot:
    with uow:
        _check_owner(uow)
        _check_currency(price, shop_currency)
        category = _category(uow, category_id)
        if uow.products.sku_exists(sku):
            raise SkuTaken(sku)
        product = Product.create(
            sku=Sku(sku),
            name=name,
            description=description,
            category=category,
            price=price,
            now=clock(),
        )
        uow.products.add(product)
        snapshot = product.snapshot()
        uow.commit()
        return snapshot


def change_product(
    uow: AbstractUnitOfWork,
    clock: Clock,
    product_id: uuid.UUID,
    changes: dict[str, object],
    *,
    shop_currency: str,
) -> ProductSnapshot:
    """Change what `changes` names: name, description, category_id, price, active."""
    with uow:
        _check_owner(uow)
        product = uow.products.get(product_id)
        if product is None:
            raise NotFound("The product")
        fields = dict(changes)
        if "price" in fields:
            price = fields["price"]
            assert isinstance(price, Money)
            _check_currency(price, shop_currency)
        if "category_id" in fields:
            category_id = fields.pop("category_id")
            assert category_id is None or isinstance(category_id, uuid.UUID)
            fields["category"] = _category(uow, category_id)
        product.change(fields, now=clock())
        snapshot = product.snapshot()
        uow.commit()
        return snapshot


def deactivate_product(
    uow: AbstractUnitOfWork, clock: Clock, product_id: uuid.UUID, *, shop_currency: str
) -> ProductSnapshot:
    return change_product(uow, clock, product_id, {"active": False}, shop_currency=shop_currency)


def _check_owner(uow: AbstractUnitOfWork) -> None:
    owner = uow.owner()
    if owner != OWNER:
        raise WritesElsewhere(owner)


def _check_currency(price: Money, shop_currency: str) -> None:
    if price.currency != shop_currency:
        raise InvalidValue("price.currency", f"The shop sells in {shop_currency} only.")


def _category(uow: AbstractUnitOfWork, category_id: uuid.UUID | None) -> Category | None:
    if category_id is None:
        return None
    category = uow.categories.get(category_id)
    if category is None:
        raise InvalidValue("category_id", "No category has this id.")
    return category
