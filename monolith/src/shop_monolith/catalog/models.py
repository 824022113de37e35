import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
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

    category: Mapped[Category | None] = relationship(lazy="joined")
