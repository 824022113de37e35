import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_monolith.ordering.models.base import OrderingModel
from shop_monolith.shared.orm import HasId, HasTimestamps


class Order(HasId, HasTimestamps, OrderingModel):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_created", "customer_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
    )

    customer_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    shipping_address: Mapped[dict[str, str]] = mapped_column(JSON)

    lines: Mapped[list["OrderLine"]] = relationship(
        lazy="selectin", order_by="OrderLine.position", cascade="all, delete-orphan"
    )

    def units(self) -> dict[uuid.UUID, int]:
        """How many of each product the order holds (a product has one line at most)."""
        return {line.product_id: line.quantity for line in self.lines}


class OrderLine(OrderingModel):
    __tablename__ = "order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID]
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
