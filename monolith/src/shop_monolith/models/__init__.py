"""SQLAlchemy models: the tables of the monolith schema."""

from shop_monolith.models.base import Base
from shop_monolith.models.baskets import BasketLine
from shop_monolith.models.catalog import Category, Product
from shop_monolith.models.customers import Customer
from shop_monolith.models.idempotency import IdempotencyRecord
from shop_monolith.models.inventory import StockItem, StockMovement
from shop_monolith.models.orders import Order, OrderLine, Payment
from shop_monolith.models.payment_provider import ProviderCharge

__all__ = [
    "Base",
    "BasketLine",
    "Category",
    "Customer",
    "IdempotencyRecord",
    "Order",
    "OrderLine",
    "Payment",
    "Product",
    "ProviderCharge",
    "StockItem",
    "StockMovement",
]
