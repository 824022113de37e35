"""The tables of the service's own schema, and the domain classes mapped onto them
imperatively: the domain knows nothing of this module."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    event,
)
from sqlalchemy.orm import composite, registry, relationship

from catalog_service.domain.model import Category, Money, Product

SCHEMA = (
    "catalog_service"  # one name: the schema, the database role's prefix, the version table's home
)

metadata = MetaData(schema=SCHEMA)
mapper_registry = registry(metadata=metadata)

categories = Table(
    "categories",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sku", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category_id", Uuid, ForeignKey("categories.id")),
    Column("price_amount", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The sequence number of the event that carried this state (ADR-0018): a replayed or late
    # event with a lower one is stale.
    Column("version", BigInteger, nullable=False, default=0),
    Index("ix_products_category_id", "category_id"),
    Index("ix_products_active_name", "active", "name"),
    Index("ix_products_active_price", "active", "price_amount"),
    Index("ix_products_active_created_at", "active", "created_at"),
)


def start_mappers() -> None:
    """Map the domain classes (once per process; later calls do nothing)."""
    if mapper_registry.mappers:
        return
    category_mapper = mapper_registry.map_imperatively(Category, categories)
    mapper_registry.map_imperatively(
        Product,
        products,
        properties={
            "price": composite(Money, products.c.price_amount, products.c.price_currency),
            "category": relationship(category_mapper, lazy="joined"),
            "_category_id": products.c.category_id,  # kept by the relationship
        },
        exclude_properties=["version"],  # set by the unit of work at commit
    )


@event.listens_for(Category, "load")
@event.listens_for(Product, "load")
def _no_events_yet(entity: Category | Product, _context: object) -> None:
    entity.events = []  # a loaded entity was made without __init__
