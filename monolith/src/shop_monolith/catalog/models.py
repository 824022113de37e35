import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_monolith.shared.orm import Base, HasId, HasTimestamps, schema_metadata


class CatalogModel(Base):
    """The catalog context's tables, all in its own schema `catalog`."""

    __abstract__ = True
    metadata = schema_metadata("catalog")


class Category(HasId, CatalogModel):
    __tablename__ = "categories"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Product(HasId, HasTimestamps, CatalogModel):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_active_name", "active", "name"),
        Index("ix_products_active_price", "active", "price_amount"),
        Index("ix_products_active_created_at", "active", "created_at"),
    )

    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("categories.id"), index=True)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    price_currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)
    # While the catalog service owns writes, the sequence number of the service's event that
    # gave this row its state: an event with a lower one is stale (ADR-0018).
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    category: Mapped[Category | None] = relationship(lazy="joined")


MONOLITH = "monolith"  # this side's name in the ownership record


class Ownership(CatalogModel):
    """One row: who owns catalog writes, "monolith" or "catalog" (the service)."""

    __tablename__ = "ownership"
    __table_args__ = (
        CheckConstraint("singleton = 1", name="one_row"),
        CheckConstraint("owner IN ('catalog', 'monolith')", name="known_owner"),
    )

    singleton: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    owner: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]


class InboxEntry(CatalogModel):
    """An event of the catalog service's applied here while the monolith is its replica."""

    __tablename__ = "inbox"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(128))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
