"""Ordering's domain events (ADR-0015): each step of an order's life carries the whole order.

`order_placed` comes first; then one of `order_confirmed` or `order_rejected` (an order
rejected at once, for stock, publishes both in one transaction); a confirmed order goes on to
`order_cancelled` or `order_shipped`. The payment's side is payments' own events.
"""

from typing import Any

from shop_monolith.ordering.models.orders import Order
from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.formats import money, timestamp

# Each order status that publishes an event, and the event's type.
BY_STATUS = {
    "CONFIRMED": "order_confirmed",
    "REJECTED": "order_rejected",
    "CANCELLED": "order_cancelled",
    "SHIPPED": "order_shipped",
}


def order_placed(order: Order) -> DomainEvent:
    return _event("order_placed", order)


def order_moved(order: Order) -> DomainEvent:
    """The event of the status the order has just taken."""
    return _event(BY_STATUS[order.status], order)


def _event(kind: str, order: Order) -> DomainEvent:
    return DomainEvent("ordering", kind, "order", order.id, {"order": _order(order)})


def _order(order: Order) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "customer_id": str(order.customer_id),
        "status": order.status,
        "rejection_reason": order.rejection_reason,
        "lines": [
            {
                "product_id": str(line.product_id),
                "sku": line.sku,
                "name": line.name,
                "unit_price": money(line.unit_price_amount, order.currency),
                "quantity": line.quantity,
            }
            for line in order.lines
        ],
        "total": money(order.total_amount, order.currency),
        "shipping_address": order.shipping_address,
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
    }
