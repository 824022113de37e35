from shop_monolith.shared.orm import Base, schema_metadata


class OrderingModel(Base):
    """The ordering context's tables, all in its own schema `ordering`."""

    __abstract__ = True
    metadata = schema_metadata("ordering")
