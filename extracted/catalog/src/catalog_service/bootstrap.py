"""The composition root: the one place where adapters meet the use cases. Every entrypoint
(HTTP, events, command line) and the unit tests (with fakes) build the service here."""

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from catalog_service.adapters import database, orm
from catalog_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from catalog_service.config import Settings
from catalog_service.domain.events import CategorySnapshot, ProductSnapshot
from catalog_service.domain.model import Money
from catalog_service.service_layer import handlers, queries, replica
from catalog_service.service_layer.unit_of_work import (
    AbstractUnitOfWork,
    Page,
    ProductQuery,
    Received,
)

UnitOfWorkFactory = Callable[[], AbstractUnitOfWork]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Catalog:
    """The use cases with their dependencies bound: what an entrypoint calls."""

    def __init__(
        self,
        settings: Settings,
        uow: UnitOfWorkFactory,
        clock: handlers.Clock,
        close: Callable[[], None] = lambda: None,
    ):
        self.settings, self.uow, self.clock = settings, uow, clock
        self.currency = settings.shop_currency
        self.close = close  # releases the database connections

    def create_category(self, *, slug: str, name: str) -> CategorySnapshot:
        return handlers.create_category(self.uow(), slug=slug, name=name)

    def create_product(
        self,
        *,
        sku: str,
        name: str,
        description: str,
        category_id: uuid.UUID | None,
        price: Money,
    ) -> ProductSnapshot:
        return handlers.create_product(
            self.uow(),
            self.clock,
            sku=sku,
            name=name,
            description=description,
            category_id=category_id,
            price=price,
            shop_currency=self.currency,
        )

    def change_product(self, product_id: uuid.UUID, changes: dict[str, object]) -> ProductSnapshot:
        return handlers.change_product(
            self.uow(), self.clock, product_id, changes, shop_currency=self.currency
        )

    def deactivate_product(self, product_id: uuid.UUID) -> ProductSnapshot:
        return handlers.deactivate_product(
            self.uow(), self.clock, product_id, shop_currency=self.currency
        )

    def list_categories(self) -> list[CategorySnapshot]:
        return queries.list_categories(self.uow())

    def get_category(self, category_id: uuid.UUID) -> CategorySnapshot:
        return queries.get_category(self.uow(), category_id)

    def search_products(self, query: ProductQuery) -> Page:
        return queries.search_products(self.uow(), query)

    def get_product(
        self, product_id: uuid.UUID, *, include_inactive: bool = False
    ) -> ProductSnapshot:
        return queries.get_product(self.uow(), product_id, include_inactive=include_inactive)

    def apply(self, event: Received) -> replica.Outcome:
        """Apply an event of the owner's (this side being a replica)."""
        return replica.apply(self.uow(), event)

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.uow() as uow:
            uow.ping()


def bootstrap(
    settings: Settings,
    *,
    uow: UnitOfWorkFactory | None = None,
    clock: handlers.Clock = utcnow,
) -> Catalog:
    """The service on `uow` (a factory of units of work; by default SQLAlchemy's on the
    settings' database) and `clock`."""
    if uow is not None:
        return Catalog(settings, uow, clock)
    orm.start_mappers()
    engine = database.make_engine(settings.database_url)
    sessions = database.session_factory(engine)
    uow = functools.partial(SqlAlchemyUnitOfWork, sessions, clock)
    return Catalog(settings, uow, clock, close=engine.dispose)
