"""The read side: what the GET routes answer (no events, no ownership check)."""

import uuid

from catalog_service.domain.errors import NotFound
from catalog_service.domain.events import CategorySnapshot, ProductSnapshot
from catalog_service.service_layer.unit_of_work import AbstractUnitOfWork, Page, ProductQuery


def list_categories(uow: AbstractUnitOfWork) -> list[CategorySnapshot]:
    with uow:
        return [category.snapshot() for category in uow.categories.list()]


def get_category(uow: AbstractUnitOfWork, category_id: uuid.UUID) -> CategorySnapshot:
    with uow:
        category = uow.categories.get(category_id)
        if category is None:
            raise NotFound("The category")
        return category.snapshot()


def search_products(uow: AbstractUnitOfWork, query: ProductQuery) -> Page:
    with uow:
        return uow.products.search(query)


def get_product(
    uow: AbstractUnitOfWork, product_id: uuid.UUID, *, include_inactive: bool = False
) -> ProductSnapshot:
    """The product; NotFound if there is none, or if it is inactive (unless asked for)."""
    with uow:
        product = uow.products.get(product_id)
        if product is None or not (product.active or include_inactive):
            raise NotFound("The product")
        return product.snapshot()
