import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from shop_monolith.catalog.models import Category, Product
from shop_monolith.shared.pages import Page, paginate

# Each sort order of a product list, by name, and its ORDER BY columns.
ORDER_BY: dict[str, tuple[ColumnElement[Any], ...]] = {
    "name": (Product.name.asc(), Product.id.asc()),
    "-name": (Product.name.desc(), Product.id.asc()),
    "price": (Product.price_amount.asc(), Product.id.asc()),
    "-price": (Product.price_amount.desc(), Product.id.asc()),
    "newest": (Product.created_at.desc(), Product.id.asc()),
}


@dataclass(frozen=True)
class ProductFilter:
    words: tuple[str, ...] = ()
    category_slug: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    active: bool | None = True


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_categories(self) -> list[Category]:
        return list(self.session.scalars(select(Category).order_by(Category.name, Category.slug)))

    def get_category(self, category_id: uuid.UUID) -> Category | None:
        return self.session.get(Category, category_id)

    def category_slug_exists(self, slug: str) -> bool:
        return self.session.scalar(select(Category.id).where(Category.slug == slug)) is not None

    def add(self, entity: Category | Product) -> None:
        self.session.add(entity)

    def get_product(self, product_id: uuid.UUID, *, active_only: bool) -> Product | None:
        product = self.session.get(Product, product_id)
        if product is None or (active_only and not product.active):
            return None
        return product

    def products_by_id(self, product_ids: list[uuid.UUID]) -> list[Product]:
        if not product_ids:
            return []
        return list(self.session.scalars(select(Product).where(Product.id.in_(product_ids))))

    def sku_exists(self, sku: str) -> bool:
        return self.session.scalar(select(Product.id).where(Product.sku == sku)) is not None

    def search_products(
        self, where: ProductFilter, *, sort: str, page: int, per_page: int
    ) -> Page[Product]:
        query = select(Product)
        if where.active is not None:
            query = query.where(Product.active.is_(where.active))
        for word in where.words:
            pattern = _like(word)
            query = query.where(
                or_(
                    Product.name.ilike(pattern, escape="\\"),
                    Product.description.ilike(pattern, escape="\\"),
                    Product.sku.ilike(pattern, escape="\\"),
                )
            )
        if where.category_slug is not None:
            query = query.join(Category, Product.category_id == Category.id).where(
                Category.slug == where.category_slug
            )
        if where.min_price is not None:
            query = query.where(Product.price_amount >= where.min_price)
        if where.max_price is not None:
            query = query.where(Product.price_amount <= where.max_price)
        return paginate(self.session, query.order_by(*ORDER_BY[sort]), page, per_page)
