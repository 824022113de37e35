"""Every table of the monolith: one MetaData and one database schema per context, and the
monolith's own schema (the outbox).

Each context declares its own models on its own MetaData (a context's code imports only its
own models); this module collects them for Alembic, for the SQLite engine (which attaches one
database file per context schema) and for tests that create the tables.
"""

from sqlalchemy import Engine, MetaData

from shop_monolith.basket.models import BasketModel
from shop_monolith.catalog.models import CatalogModel
from shop_monolith.customers.models import CustomersModel
from shop_monolith.inventory.models import InventoryModel
from shop_monolith.ordering.models import idempotency, orders  # noqa: F401 - maps their tables
from shop_monolith.ordering.models.base import OrderingModel
from shop_monolith.payments.models import PaymentsModel
from shop_monolith.shared import outbox

CONTEXT_METADATA: dict[str, MetaData] = {
    model.metadata.schema or "": model.metadata
    for model in (
        BasketModel,
        CatalogModel,
        CustomersModel,
        InventoryModel,
        OrderingModel,
        PaymentsModel,
    )
}
METADATA: tuple[MetaData, ...] = (*CONTEXT_METADATA.values(), outbox.metadata)


def create_all(engine: Engine) -> None:
    """Create every context's tables (tests; real databases are migrated by Alembic)."""
    for metadata in METADATA:
        metadata.create_all(engine)
