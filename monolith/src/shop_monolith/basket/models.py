import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.shared.orm import Base, schema_metadata, utcnow


class BasketModel(Base):
    """The basket context's tables, all in its own schema `basket`."""

    __abstract__ = True
    metadata = schema_metadata("basket")


class Basket(BasketModel):
    """A customer's basket: the row a checkout locks, so one basket checks out at a time."""

    __tablename__ = "baskets"

    customer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BasketLine(BasketModel):
    __tablename__ = "basket_lines"
    __table_args__ = (CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_in_range"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
