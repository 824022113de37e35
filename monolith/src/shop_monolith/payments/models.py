from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.shared.orm import Base, utcnow


class ProviderCharge(Base):
    """The sandbox payment provider's own ledger, standing in for the provider's records."""

    __tablename__ = "fake_provider_charges"  # an older name; renaming needs a migration

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # approved, declined, refunded
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
