"""The catalog as the rest of the shop sees it: plain functions answering frozen values.

Every caller outside the catalog (the other contexts, the web layer, the seed command) uses
this module only, never the catalog's services, repositories or models, so that when the
catalog leaves the process (step 3) this module is the one that changes (ADR-0013).
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from shop_monolith.catalog import replica, services
from shop_monolith.catalog.gateways import CatalogServiceClient
from shop_monolith.catalog.models import Category, Product
from shop_monolith.shared.errors import NotFound
from shop_monolith.shared.pages import Page

SORTS = services.SORTS
log = structlog.get_logger(__name__)
Outcome = replica.Outcome
MalformedEvent = replica.MalformedEvent
EVENT_TYPES = replica.EVENT_TYPES
_service: CatalogServiceClient | None = None  # read-through, once the service owns writes


def read_through(base_url: str | None, *, timeout: float = 2.0) -> None:
    """Where the catalog service answers, for products the replica has not heard of yet
    (None: no read-through)."""
    global _service
    if _service is not None:
        _service.close()
    _service = CatalogServiceClient(base_url, timeout=timeout) if base_url else None


def apply_event(session: Session, body: dict[str, Any]) -> replica.Outcome:
    """Apply one of the catalog service's events (the JSON body of a message of
    `catalog.events`) to the replica; MalformedEvent if it is none."""
    return replica.apply(session, body)


@dataclass(frozen=True)
class CategoryView:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class ProductView:
    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: CategoryView | None
    price_amount: int
    price_currency: str
    active: bool
    created_at: datetime
    updated_at: datetime


def _category(item: Category) -> CategoryView:
    return CategoryView(id=item.id, slug=item.slug, name=item.name)


def _product(item: Product) -> ProductView:
    return ProductView(
        id=item.id,
        sku=item.sku,
        name=item.name,
        description=item.description,
        category=_category(item.category) if item.category else None,
        price_amount=item.price_amount,
        price_currency=item.price_currency,
        active=item.active,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def list_categories(session: Session) -> list[CategoryView]:
    return [_category(item) for item in services.list_categories(session)]


def get_category(session: Session, category_id: uuid.UUID) -> CategoryView:
    return _category(services.get_category(session, category_id))


def create_category(session: Session, *, slug: str, name: str) -> CategoryView:
    return _category(services.create_category(session, slug=slug, name=name))


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
) -> Page[ProductView]:
    """One page of the products with every word and filter (`active=None`: all of them)."""
    found = services.search_products(
        session,
        words=words,
        category_slug=category_slug,
        min_price=min_price,
        max_price=max_price,
        active=active,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    return found.map(_product)


def get_product(
    session: Session, product_id: uuid.UUID, *, include_inactive: bool = False
) -> ProductView:
    """The product; NotFound if there is none (or it is inactive, unless `include_inactive`)."""
    found = find_product(session, product_id, include_inactive=include_inactive)
    if found is None:
        raise NotFound("The product")
    return found


def find_product(
    session: Session, product_id: uuid.UUID, *, include_inactive: bool = False
) -> ProductView | None:
    """The product, or None: for callers to whom a missing product is not an error."""
    found = products_by_id(session, [product_id]).get(product_id)
    if found is None or not (found.active or include_inactive):
        return None
    return found


def products_by_id(session: Session, product_ids: list[uuid.UUID]) -> dict[uuid.UUID, ProductView]:
    """The products among `product_ids` that exist, active or not, by id: as the catalog
    service shows them now while it owns writes and answers, else as the replica has them."""
    found = {item.id: _product(item) for item in services.products_by_id(session, product_ids)}
    if _service is None or not product_ids or not replica.is_replica(session):
        return found
    refreshed = []
    for product_id in product_ids:
        answer = _service.fetch_product(product_id)
        if not answer.reachable:
            continue  # the replica's answer stands
        if answer.product is None:  # inactive at the owner (products are never deleted)
            if product_id in found:
                found[product_id] = replace(found[product_id], active=False)
            continue
        try:
            replica.keep_fetched(session, answer.product)
        except replica.MalformedEvent as error:  # the service answered something else
            log.error("catalog_answer_refused", product_id=str(product_id), error=str(error))
            continue
        refreshed.append(product_id)
    if refreshed:
        found.update(
            (item.id, _product(item)) for item in services.products_by_id(session, refreshed)
        )
    return found


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
) -> ProductView:
    item = services.create_product(
        session,
        sku=sku,
        name=name,
        description=description,
        category_id=category_id,
        price_amount=price_amount,
        price_currency=price_currency,
        shop_currency=shop_currency,
    )
    return _product(item)


def update_product(
    session: Session, product_id: uuid.UUID, changes: dict[str, Any], *, shop_currency: str
) -> ProductView:
    return _product(
        services.update_product(session, product_id, changes, shop_currency=shop_currency)
    )


def deactivate_product(
    session: Session, product_id: uuid.UUID, *, shop_currency: str
) -> ProductView:
    return _product(services.deactivate_product(session, product_id, shop_currency=shop_currency))
