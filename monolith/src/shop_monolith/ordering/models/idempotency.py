import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.ordering.models.base import OrderingModel
from shop_monolith.shared.orm import HasId, utcnow


class IdempotencyRecord(HasId, OrderingModel):
    """A customer's Idempotency-Key, the request it was first used with and what it produced."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("customer_id", "key"),)

    customer_id: Mapped[uuid.UUID]
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID | None]
    response_status: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
