from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shop_monolith.shared.orm import Base, HasId, HasTimestamps, schema_metadata


class CustomersModel(Base):
    """The customers context's tables, all in its own schema `customers`."""

    __abstract__ = True
    metadata = schema_metadata("customers")


class Customer(HasId, HasTimestamps, CustomersModel):
    __tablename__ = "customers"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="customer")
