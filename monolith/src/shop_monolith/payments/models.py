import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.shared.orm import Base, schema_metadata, utcnow


class PaymentsModel(Base):
    """The payments context's tables, all in its own schema `payments`."""

    __abstract__ = True
    metadata = schema_metadata("payments")


class Payment(PaymentsModel):
    """Our record of the money side of one order."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_status_attempted", "status", "attempted_at"),)

    # The order's id, not a foreign key: orders live in ordering's schema (ADR-0014).
    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    card_last4: Mapped[str] = mapped_column(String(4))
    provider_charge_id: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when ordering asks for the money back; a CAPTURED payment with it set is a refund due.
    refund_requested_at: Mapped[datetime | None]


class ProviderCharge(PaymentsModel):
    """The sandbox payment provider's own ledger, standing in for the provider's records."""

    __tablename__ = "fake_provider_charges"  # an older name; renaming needs a migration

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # approved, declined, refunded
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
