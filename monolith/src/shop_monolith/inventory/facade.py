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
from shop_monolith.inventory.services import (
    StockLevel,
    Units,
    adjust_stock,
    availability,
    release_all,
    reserve_all,
    restock_all,
    sell_all,
    stock_level,
)
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


def movements(
    session: Session, product_id: uuid.UUID, *, page: int, per_page: int
) -> Page[MovementView]:
    return services.movements(session, product_id, page=page, per_page=per_page).map(_movement)
