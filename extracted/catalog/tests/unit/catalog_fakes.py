"""Fakes of the catalog service's ports: an in-memory unit of work and a stepping clock."""

import uuid
from datetime import UTC, datetime, timedelta

from catalog_service.domain import events
from catalog_service.domain.model import Category, Money, Product
from catalog_service.service_layer.unit_of_work import (
    AbstractCategoryRepository,
    AbstractInbox,
    AbstractProductRepository,
    AbstractUnitOfWork,
    Page,
    ProductQuery,
    Received,
)


class FakeCategoryRepository(AbstractCategoryRepository):
    def __init__(self, rows: dict[uuid.UUID, Category]) -> None:
        super().__init__()
        self.rows = rows

    def _add(self, category: Category) -> None:
        self.rows[category.id] = category

    def _get(self, category_id: uuid.UUID) -> Category | None:
        return self.rows.get(category_id)

    def slug_exists(self, slug: str) -> bool:
        return any(row.slug == slug for row in self.rows.values())

    def put_snapshot(self, category: events.CategorySnapshot) -> None:
        self.rows.setdefault(
            category.id, Category(id=category.id, slug=category.slug, name=category.name)
        )

    def list(self) -> list[Category]:
        return sorted(self.rows.values(), key=lambda row: (row.name, row.slug))


class FakeProductRepository(AbstractProductRepository):
    """Search as the contract describes it, in Python: enough to test the use cases."""

    def __init__(
        self,
        rows: dict[uuid.UUID, Product],
        versions: dict[uuid.UUID, int],
        categories: dict[uuid.UUID, Category],
    ) -> None:
        super().__init__()
        self.rows, self.versions, self.categories = rows, versions, categories

    def _add(self, product: Product) -> None:
        self.rows[product.id] = product

    def _get(self, product_id: uuid.UUID) -> Product | None:
        return self.rows.get(product_id)

    def sku_exists(self, sku: str) -> bool:
        return any(row.sku == sku for row in self.rows.values())

    def put_snapshot(self, product: events.ProductSnapshot, *, version: int) -> bool:
        if self.versions.get(product.id, 0) >= version:
            return False
        self.versions[product.id] = version
        self.rows[product.id] = Product(
            id=product.id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            category=self.categories[product.category.id] if product.category else None,
            price=Money(product.price.amount, product.price.currency),
            active=product.active,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )
        return True

    def search(self, query: ProductQuery) -> Page:
        def selected(row: Product) -> bool:
            text = f"{row.name}\n{row.description}\n{row.sku}".lower()
            return (
                (query.active is None or row.active is query.active)
                and all(word.lower() in text for word in query.words)
                and (query.category_slug is None or _slug(row) == query.category_slug)
                and (query.min_price is None or row.price.amount >= query.min_price)
                and (query.max_price is None or row.price.amount <= query.max_price)
            )

        found = sorted(filter(selected, self.rows.values()), key=lambda row: row.name)
        start = (query.page - 1) * query.per_page
        items = [row.snapshot() for row in found[start : start + query.per_page]]
        return Page(items=items, total=len(found), page=query.page, per_page=query.per_page)


def _slug(row: Product) -> str | None:
    return row.category.slug if row.category else None


class FakeInbox(AbstractInbox):
    def __init__(self, store: "FakeStore") -> None:
        self.store = store

    def add(self, event: Received) -> bool:
        if event.id in self.store.inbox:
            return False
        self.store.inbox.add(event.id)
        return True

    def raise_sequence(self, aggregate_type: str, aggregate_id: uuid.UUID, sequence: int) -> None:
        key = (aggregate_type, aggregate_id)
        self.store.sequences[key] = max(self.store.sequences.get(key, 0), sequence)


class FakeUnitOfWork(AbstractUnitOfWork):
    """Shares its rows and outbox with every unit of work made by the same factory."""

    def __init__(self, store: "FakeStore") -> None:
        self.store = store
        self.categories = FakeCategoryRepository(store.categories)
        self.products = FakeProductRepository(store.products, store.versions, store.categories)
        self.inbox = FakeInbox(store)
        self.pending: list[events.Event] = []

    def owner(self) -> str:
        return self.store.owner

    def ping(self) -> None:
        return None

    def _record(self, event: events.Event) -> None:
        self.pending.append(event)

    def _commit(self) -> None:
        self.store.outbox.extend(self.pending)
        self.pending = []
        self.store.commits += 1

    def rollback(self) -> None:
        self.pending = []


class FakeStore:
    def __init__(self) -> None:
        self.categories: dict[uuid.UUID, Category] = {}
        self.products: dict[uuid.UUID, Product] = {}
        self.versions: dict[uuid.UUID, int] = {}
        self.outbox: list[events.Event] = []
        self.inbox: set[uuid.UUID] = set()
        self.sequences: dict[tuple[str, uuid.UUID], int] = {}
        self.owner = "catalog"
        self.commits = 0

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class StepClock:
    """A clock that moves one millisecond at each reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now
