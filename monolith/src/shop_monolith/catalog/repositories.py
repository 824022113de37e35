import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shop_monolith.catalog.models import Category, InboxEntry, Ownership, Product
from shop_monolith.shared.outbox import outbox_sequences
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

    def owner(self) -> str:
        """Who owns catalog writes now. FOR SHARE: a switch of ownership (which takes the row
        FOR UPDATE) waits until this transaction ends, and this one for the switch."""
        query = select(Ownership.owner).with_for_update(read=True)
        return self.session.scalar(query) or "monolith"

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


class ReplicaRepository:
    """A replica's writes: the owner's state kept as it comes, by upserts that only move
    forward, and the inbox of applied events (ADR-0018)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        postgres = session.get_bind().dialect.name == "postgresql"
        self._insert: Any = pg_insert if postgres else sqlite_insert

    def put_category(self, row: dict[str, Any]) -> None:
        statement = self._insert(Category).values(row)
        self.session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))

    def put_product(self, row: dict[str, Any]) -> bool:
        """Keep the product as `row` has it unless a later version is here; True if kept."""
        statement = self._insert(Product).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["id"],
            set_={name: statement.excluded[name] for name in row if name != "id"},
            where=Product.version < statement.excluded.version,
        ).returning(Product.id)
        kept = self.session.execute(statement).first() is not None
        self.session.expire_all()  # an ORM copy loaded before is stale now
        return kept

    def put_fetched(self, row: dict[str, Any]) -> None:
        """Keep a product as its owner showed it over HTTP, if that is newer than what is here
        (`updated_at`); its version stays as it is, so that its events still apply."""
        statement = self._insert(Product).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["id"],
            set_={name: statement.excluded[name] for name in row if name not in ("id", "version")},
            where=Product.updated_at < statement.excluded.updated_at,
        )
        self.session.execute(statement)
        self.session.expire_all()

    def add_to_inbox(self, row: dict[str, Any]) -> bool:
        """Note an event as applied; False if it was already."""
        statement = self._insert(InboxEntry).values(row).on_conflict_do_nothing()
        return self.session.execute(statement.returning(InboxEntry.event_id)).first() is not None

    def raise_sequence(self, aggregate_type: str, aggregate_id: str, sequence: int) -> None:
        """The aggregate's last sequence is at least `sequence` from now on, so that the
        monolith, owning writes again after a rollback, numbers on after the service."""
        row = {
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "last_sequence": sequence,
        }
        statement = self._insert(outbox_sequences).values(row)
        last, offered = outbox_sequences.c.last_sequence, statement.excluded.last_sequence
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["aggregate_type", "aggregate_id"],
                set_={"last_sequence": case((offered > last, offered), else_=last)},
            )
        )
