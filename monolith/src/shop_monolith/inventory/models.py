import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.shared.orm import Base, HasId, schema_metadata, utcnow


class InventoryModel(Base):
    """The inventory context's tables, all in its own schema `inventory`."""

    __abstract__ = True
    metadata = schema_metadata("inventory")


@dataclass(frozen=True)
class Levels:
    """A product's stock as one change left it."""

    product_id: uuid.UUID
    on_hand: int
    reserved: int


class StockItem(InventoryModel):
    """Units on hand and units reserved by orders awaiting payment, per product."""

    __tablename__ = "stock_items"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)


class StockMovement(HasId, InventoryModel):
    """One line of the stock ledger: why on_hand changed."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_product_created", "product_id", "created_at"),)

    product_id: Mapped[uuid.UUID]
    delta: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # ADJUSTMENT, SALE, RESTOCK
    reason: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
