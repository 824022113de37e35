"""The inventory as the rest of the shop sees it: plain functions answering frozen values.

The functions an order uses (reserve, release, sell, restock) join the caller's transaction:
in one process and one database, an order and its stock change commit together. When the
contexts become services that is no longer possible, and a saga takes its place (step 5).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from shop_monolith.inventory import services
from shop_monolith.inventory.models import StockMovement
from shop_monolith.inventory.services import StockLevel, Units
from shop_monolith.shared.pages import Page

__all__ = [
    "MovementView",
    "StockLevel",
    "Units",
    "adjust_stock",
    "availability",
    "movements",
    "release_all",
    "reserve_all",
    "restock_all",
    "sell_all",
    "stock_level",
]


@dataclass(frozen=True)
class MovementView:
    id: uuid.UUID
    product_id: uuid.UUID
    delta: int
    kind: str
    reason: str
    order_id: uuid.UUID | None
    created_at: datetime


def _movement(item: StockMovement) -> MovementView:
    return MovementView(
        id=item.id,
        product_id=item.product_id,
        delta=item.delta,
        kind=item.kind,
        reason=item.reason,
        order_id=item.order_id,
        created_at=item.created_at,
    )


def availability(session: Session, product_id: uuid.UUID) -> StockLevel:
    """Stock of an active product (NotFound otherwise)."""
    return services.availability(session, product_id)


def stock_level(session: Session, product_id: uuid.UUID) -> StockLevel:
    """Stock of any product, active or not (NotFound if there is none)."""
    return services.stock_level(session, product_id)


def adjust_stock(session: Session, product_id: uuid.UUID, *, delta: int, reason: str) -> StockLevel:
    return services.adjust_stock(session, product_id, delta=delta, reason=reason)


def movements(
    session: Session, product_id: uuid.UUID, *, page: int, per_page: int
) -> Page[MovementView]:
    found = services.movements(session, product_id, page=page, per_page=per_page)
    return Page(
        items=[_movement(item) for item in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


def reserve_all(session: Session, units: Units) -> bool:
    return services.reserve_all(session, units)


def release_all(session: Session, units: Units) -> None:
    services.release_all(session, units)


def sell_all(session: Session, units: Units, *, order_id: uuid.UUID) -> None:
    services.sell_all(session, units, order_id=order_id)


def restock_all(session: Session, units: Units, *, order_id: uuid.UUID) -> None:
    services.restock_all(session, units, order_id=order_id)
