"""The ports of the use cases: a unit of work holding the repositories of one transaction."""

import abc
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from catalog_service.domain import events
from catalog_service.domain.model import Category, Product

SORTS = ("name", "-name", "price", "-price", "newest")


@dataclass(frozen=True)
class ProductQuery:
    """Which products to list: every word (in name, description or SKU) and every filter."""

    words: tuple[str, ...] = ()
    category_slug: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    active: bool | None = True  # None: active and inactive alike
    sort: str = "name"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Page:
    items: Sequence[events.ProductSnapshot]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 1


class AbstractCategoryRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: list[Category] = []  # what this transaction loaded or added: their events

    def add(self, category: Category) -> None:
        self._add(category)
        self.seen.append(category)

    def get(self, category_id: uuid.UUID) -> Category | None:
        category = self._get(category_id)
        if category is not None:
            self.seen.append(category)
        return category

    @abc.abstractmethod
    def _add(self, category: Category) -> None: ...

    @abc.abstractmethod
    def _get(self, category_id: uuid.UUID) -> Category | None: ...

    @abc.abstractmethod
    def slug_exists(self, slug: str) -> bool: ...

    @abc.abstractmethod
    def put_snapshot(self, category: events.CategorySnapshot) -> None:
        """Keep the owner's category as it is (a replica's write: no event)."""

    @abc.abstractmethod
    def list(self) -> list[Category]:
        """All categories, by name then slug."""


class AbstractProductRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: list[Product] = []

    def add(self, product: Product) -> None:
        self._add(product)
        self.seen.append(product)

    def get(self, product_id: uuid.UUID) -> Product | None:
        product = self._get(product_id)
        if product is not None:
            self.seen.append(product)
        return product

    @abc.abstractmethod
    def _add(self, product: Product) -> None: ...

    @abc.abstractmethod
    def _get(self, product_id: uuid.UUID) -> Product | None: ...

    @abc.abstractmethod
    def sku_exists(self, sku: str) -> bool: ...

    @abc.abstractmethod
    def put_snapshot(self, product: events.ProductSnapshot, *, version: int) -> bool:
        """Keep the owner's product as it was at `version` (its event's sequence), unless a
        later version is here already; True if it was kept (a replica's write: no event)."""

    @abc.abstractmethod
    def search(self, query: ProductQuery) -> Page:
        """One page of the products the query selects (read side: nothing is `seen`)."""


@dataclass(frozen=True)
class Received:
    """An event of the owner's, as a replica receives it."""

    id: uuid.UUID
    type: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    sequence: int
    product: events.ProductSnapshot | None = None  # product_* events
    category: events.CategorySnapshot | None = None  # category_created


class AbstractInbox(abc.ABC):
    """The events this side applied as a replica, and the sequence numbers it has seen."""

    @abc.abstractmethod
    def add(self, event: Received) -> bool:
        """Note `event` as applied in this transaction; False if it was already."""

    @abc.abstractmethod
    def raise_sequence(self, aggregate_type: str, aggregate_id: uuid.UUID, sequence: int) -> None:
        """The aggregate's last known sequence is at least `sequence` from now on, so that
        this side, once it owns writes, numbers on after the owner it replaces."""


class AbstractUnitOfWork(abc.ABC):
    """One transaction: `commit()` makes its changes and the events they recorded durable
    together (the events go to the outbox); leaving the block without commit undoes both."""

    categories: AbstractCategoryRepository
    products: AbstractProductRepository
    inbox: AbstractInbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        for event in self._new_events():
            self._record(event)
        self._commit()

    def _new_events(self) -> Iterator[events.Event]:
        entities: list[Category | Product] = [*self.categories.seen, *self.products.seen]
        for entity in entities:
            while entity.events:
                yield entity.events.pop(0)

    @abc.abstractmethod
    def owner(self) -> str:
        """Who owns catalog writes now ("catalog" or "monolith"), read so that a switch of
        ownership waits for this transaction (ADR-0018)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise unless the store answers."""

    @abc.abstractmethod
    def _record(self, event: events.Event) -> None:
        """Add `event` to the outbox in this transaction."""

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
