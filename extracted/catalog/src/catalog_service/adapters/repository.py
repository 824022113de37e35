"""The repositories on SQLAlchemy: the write side loads entities, the read side builds the
snapshots the API shows straight from rows."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from catalog_service.adapters import replica
from catalog_service.adapters.orm import categories, products
from catalog_service.domain.events import CategorySnapshot, Price, ProductSnapshot
from catalog_service.domain.model import Category, Product
from catalog_service.service_layer.unit_of_work import (
    AbstractCategoryRepository,
    AbstractProductRepository,
    Page,
    ProductQuery,
)

ORDER_BY: dict[str, tuple[ColumnElement[Any], ...]] = {
    "name": (products.c.name.asc(), products.c.id.asc()),
    "-name": (products.c.name.desc(), products.c.id.asc()),
    "price": (products.c.price_amount.asc(), products.c.id.asc()),
    "-price": (products.c.price_amount.desc(), products.c.id.asc()),
    "newest": (products.c.created_at.desc(), products.c.id.asc()),
}


class SqlAlchemyCategoryRepository(AbstractCategoryRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def _add(self, category: Category) -> None:
        self.session.add(category)

    def _get(self, category_id: uuid.UUID) -> Category | None:
        return self.session.get(Category, category_id)

    def slug_exists(self, slug: str) -> bool:
        found = self.session.scalar(select(categories.c.id).where(categories.c.slug == slug))
        return found is not None

    def put_snapshot(self, category: CategorySnapshot) -> None:
        replica.put_category(self.session, category)

    def list(self) -> list[Category]:
        query = select(Category).order_by(categories.c.name, categories.c.slug)
        return list(self.session.scalars(query))


class SqlAlchemyProductRepository(AbstractProductRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def _add(self, product: Product) -> None:
        self.session.add(product)

    def _get(self, product_id: uuid.UUID) -> Product | None:
        return self.session.get(Product, product_id)

    def sku_exists(self, sku: str) -> bool:
        found = self.session.scalar(select(products.c.id).where(products.c.sku == sku))
        return found is not None

    def put_snapshot(self, product: ProductSnapshot, *, version: int) -> bool:
        return replica.put_product(self.session, product, version=version)

    def search(self, query: ProductQuery) -> Page:
        where = _filtered(select(products.c.id), query)
        total = self.session.scalar(select(func.count()).select_from(where.subquery())) or 0
        rows = self.session.execute(
            _filtered(_SNAPSHOT_COLUMNS, query)
            .order_by(*ORDER_BY[query.sort])
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
        items = [snapshot_of(row._mapping) for row in rows]
        return Page(items=items, total=total, page=query.page, per_page=query.per_page)


_SNAPSHOT_COLUMNS = select(
    products,
    categories.c.slug.label("category_slug"),
    categories.c.name.label("category_name"),
).outerjoin(categories, products.c.category_id == categories.c.id)


def _filtered(statement: Select[Any], query: ProductQuery) -> Select[Any]:
    if query.active is not None:
        statement = statement.where(products.c.active.is_(query.active))
    for word in query.words:
        pattern = _like(word)
        statement = statement.where(
            or_(
                products.c.name.ilike(pattern, escape="\\"),
                products.c.description.ilike(pattern, escape="\\"),
                products.c.sku.ilike(pattern, escape="\\"),
            )
        )
    if query.category_slug is not None:
        slug = select(categories.c.id).where(categories.c.slug == query.category_slug)
        statement = statement.where(products.c.category_id.in_(slug.scalar_subquery()))
    if query.min_price is not None:
        statement = statement.where(products.c.price_amount >= query.min_price)
    if query.max_price is not None:
        statement = statement.where(products.c.price_amount <= query.max_price)
    return statement


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def snapshot_of(row: Any) -> ProductSnapshot:
    """A product row (with `category_slug` and `category_name`) as the API shows it."""
    category = None
    if row["category_id"] is not None:
        category = CategorySnapshot(
            id=row["category_id"], slug=row["category_slug"], name=row["category_name"]
        )
    return ProductSnapshot(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        category=category,
        price=Price(amount=row["price_amount"], currency=row["price_currency"]),
        active=row["active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
