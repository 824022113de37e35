"""The inventory's domain events (ADR-0015): each change of a product's stock, with the levels
it left, so a consumer needs no earlier event to know how much is available."""

import uuid
from typing import Literal

from shop_monolith.inventory.models import Levels
from shop_monolith.shared.events import DomainEvent

# Why stock changed: an admin's adjustment, or an order's reservation, release, sale, restock.
Cause = Literal["ADJUSTMENT", "RESERVATION", "RELEASE", "SALE", "RESTOCK"]


def stock_changed(
    item: Levels,
    *,
    kind: Cause,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    order_id: uuid.UUID | None = None,
) -> DomainEvent:
    data = {
        "product_id": str(item.product_id),
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "available": item.on_hand - item.reserved,
        "cause": {
            "kind": kind,
            "on_hand_delta": on_hand_delta,
            "reserved_delta": reserved_delta,
            "order_id": str(order_id) if order_id else None,
        },
    }
    return DomainEvent("inventory", "stock_changed", "stock", item.product_id, data)
