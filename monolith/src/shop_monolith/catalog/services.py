import uuid
from typing import Any

from sqlalchemy.orm import Session

from shop_monolith.catalog import events
from shop_monolith.catalog.models import MONOLITH, Category, Product
from shop_monolith.catalog.repositories import ORDER_BY, CatalogRepository, ProductFilter
from shop_monolith.shared import outbox
from shop_monolith.shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
    WritesElsewhere,
)
from shop_monolith.shared.pages import Page
from shop_monolith.shared.transactions import flush_or_conflict

EDITABLE_FIELDS = frozenset(
    {"name", "description", "category_id", "price_amount", "price_currency", "active"}
)
# The names of the orders a product list can be sorted in.
SORTS = tuple(ORDER_BY)


def list_categories(session: Session) -> list[Category]:
    return CatalogRepository(session).list_categories()


def get_category(session: Session, category_id: uuid.UUID) -> Category:
    category = CatalogRepository(session).get_category(category_id)
    if category is None:
        raise NotFound("The category")
    return category


def create_category(session: Session, *, slug: str, name: str) -> Category:
    catalog = CatalogRepository(session)
    _check_owner(catalog)
    if catalog.category_slug_exists(slug):
        raise Conflict("slug-taken", f"A category with slug {slug!r} exists already.")
    category = Category(slug=slug, name=name)
    catalog.add(category)
    flush_or_conflict(session, "slug-taken", f"A category with slug {slug!r} exists already.")
    outbox.record(session, events.category_created(category))
    session.commit()
    return category


def search_products(
    session: Session,
    *,
    words: tuple[str, ...] = (),
    category_slug: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    active: bool | None = True,
    sort: str,
    page: int,
    per_page: int,
) -> Page[Product]:
    """One page of the products with every word (in name, description or SKU) and filter.

    `active=None` lists active and inactive products alike (the admin's list).
    """
    where = ProductFilter(
        words=words,
        category_slug=category_slug,
        min_price=min_price,
        max_price=max_price,
        active=active,
    )
    return CatalogRepository(session).search_products(
        where, sort=sort, page=page, per_page=per_page
    )


def find_product(
    session: Session, product_id: uuid.UUID, *, include_inactive: bool = False
) -> Product | None:
    return CatalogRepository(session).get_product(product_id, active_only=not include_inactive)


def get_product(
    session: Session, product_id: uuid.UUID, *, include_inactive: bool = False
) -> Product:
    product = find_product(session, product_id, include_inactive=include_inactive)
    if product is None:
        raise NotFound("The product")
    return product


def products_by_id(session: Session, product_ids: list[uuid.UUID]) -> list[Product]:
    return CatalogRepository(session).products_by_id(product_ids)


def _check_owner(catalog: CatalogRepository) -> None:
    """Writes only where they are owned: after the cut-over, the catalog service's (ADR-0018)."""
    owner = catalog.owner()
    if owner != MONOLITH:
        raise WritesElsewhere("Catalog", "catalog service" if owner == "catalog" else owner)


def _check_category(catalog: CatalogRepository, category_id: uuid.UUID | None) -> None:
    if category_id is not None and catalog.get_category(category_id) is None:
        raise ValidationFailed([FieldError("category_id", "No category has this id.")])


def _check_currency(currency: str, shop_currency: str) -> None:
    if currency != shop_currency:
        message = f"The shop sells in {shop_currency} only."
        raise ValidationFailed([FieldError("price.currency", message)])


def create_product(
    session: Session,
    *,
    sku: str,
    name: str,
    description: str,
    category_id: uuid.UUID | None,
    price_amount: int,
    price_currency: str,
    shop_currency: str,
) -> Product:
    catalog = CatalogRepository(session)
    _check_owner(catalog)
    _check_currency(price_currency, shop_currency)
    _check_category(catalog, category_id)
    if catalog.sku_exists(sku):
        raise Conflict("sku-taken", f"A product with SKU {sku!r} exists already.")
    product = Product(
        id=uuid.uuid4(),
        sku=sku,
        name=name,
        description=description,
        category_id=category_id,
        price_amount=price_amount,
        price_currency=price_currency,
        active=True,
    )
    catalog.add(product)
    flush_or_conflict(session, "sku-taken", f"A product with SKU {sku!r} exists already.")
    session.refresh(product)  # its category, for the event
    outbox.record(session, events.product_created(product))
    session.commit()
    return product


def update_product(
    session: Session, product_id: uuid.UUID, changes: dict[str, Any], *, shop_currency: str
) -> Product:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    catalog = CatalogRepository(session)
    _check_owner(catalog)
    product = get_product(session, product_id, include_inactive=True)
    if "price_currency" in changes:
        _check_currency(changes["price_currency"], shop_currency)
    if "category_id" in changes:
        _check_category(catalog, changes["category_id"])
    changed = [name for name, value in changes.items() if getattr(product, name) != value]
    was_active, old_amount, old_currency = (
        product.active,
        product.price_amount,
        product.price_currency,
    )
    for name in changed:
        setattr(product, name, changes[name])
    if changed:
        session.flush()
        session.refresh(product)  # its category and updated_at, for the events
        _record_changes(session, product, changed, was_active, old_amount, old_currency)
    session.commit()
    return product


def _record_changes(
    session: Session,
    product: Product,
    changed: list[str],
    was_active: bool,
    old_amount: int,
    old_currency: str,
) -> None:
    outbox.record(session, events.product_changed(product, changed))
    if {"price_amount", "price_currency"} & set(changed):
        price = events.price_changed(product, old_amount=old_amount, old_currency=old_currency)
        outbox.record(session, price)
    if was_active and not product.active:
        outbox.record(session, events.product_deactivated(product))


def deactivate_product(session: Session, product_id: uuid.UUID, *, shop_currency: str) -> Product:
    return update_product(session, product_id, {"active": False}, shop_currency=shop_currency)
