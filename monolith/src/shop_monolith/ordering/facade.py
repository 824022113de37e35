"""Orders as the rest of the shop sees them: plain functions answering frozen values.

An `OrderView` carries its payment as payments records it (`PaymentView`); the order's use
cases decide what the money should do and call payments' facade for it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shop_monolith.ordering.models.orders import Order
from shop_monolith.ordering.services import checkout, orders, settlement
from shop_monolith.ordering.services.idempotency import fingerprint
from shop_monolith.ordering.services.orders import STATUSES
from shop_monolith.payments import facade as payments
from shop_monolith.payments.facade import AbstractPaymentProvider, CardDetails, PaymentView
from shop_monolith.shared.pages import Page

__all__ = [
    "STATUSES",
    "OrderLineView",
    "OrderView",
    "cancel_once",
    "fingerprint",
    "get_for_customer",
    "list_all",
    "list_for_customer",
    "place_order_once",
    "settle_stale_payments",
    "ship",
]


@dataclass(frozen=True)
class OrderLineView:
    position: int
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price_amount: int
    quantity: int


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    rejection_reason: str | None
    lines: tuple[OrderLineView, ...]
    total_amount: int
    currency: str
    shipping_address: dict[str, str]
    payment: PaymentView
    created_at: datetime
    updated_at: datetime


def place_order_once(
    session: Session,
    provider: AbstractPaymentProvider,
    *,
    customer_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
    shipping_address: dict[str, str],
    card: CardDetails,
    currency: str,
) -> tuple[OrderView, int | None]:
    """Check out the customer's basket at most once per Idempotency-Key.

    Answers the order, and the status to replay when the key's first request placed it.
    """
    order, replayed = checkout.place_order_once(
        session,
        provider,
        customer_id=customer_id,
        key=key,
        request_fingerprint=request_fingerprint,
        shipping_address=shipping_address,
        card=card,
        currency=currency,
    )
    return _view(session, order), replayed


def cancel_once(
    session: Session,
    provider: AbstractPaymentProvider,
    *,
    customer_id: uuid.UUID,
    order_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
) -> tuple[OrderView, int | None]:
    """Cancel one of the customer's orders at most once per Idempotency-Key."""
    order, replayed = orders.cancel_once(
        session,
        provider,
        customer_id=customer_id,
        order_id=order_id,
        key=key,
        request_fingerprint=request_fingerprint,
    )
    return _view(session, order), replayed


def get_for_customer(session: Session, customer_id: uuid.UUID, order_id: uuid.UUID) -> OrderView:
    return _view(session, orders.get_for_customer(session, customer_id, order_id))


def list_for_customer(
    session: Session, customer_id: uuid.UUID, *, page: int, per_page: int
) -> Page[OrderView]:
    return _page(
        session, orders.list_for_customer(session, customer_id, page=page, per_page=per_page)
    )


def list_all(session: Session, *, status: str | None, page: int, per_page: int) -> Page[OrderView]:
    return _page(session, orders.list_all(session, status=status, page=page, per_page=per_page))


def ship(session: Session, order_id: uuid.UUID) -> OrderView:
    return _view(session, orders.ship(session, order_id))


def settle_stale_payments(
    session: Session, provider: AbstractPaymentProvider, *, older_than: timedelta
) -> int:
    """Settle unknown charge outcomes and refunds still due; answers how many settled."""
    return settlement.settle_stale_payments(session, provider, older_than=older_than)


def _page(session: Session, page: Page[Order]) -> Page[OrderView]:
    paid = payments.payments_of(session, [order.id for order in page.items])
    return page.map(lambda order: _view(session, order, paid[order.id]))


def _view(session: Session, order: Order, payment: PaymentView | None = None) -> OrderView:
    return OrderView(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        rejection_reason=order.rejection_reason,
        lines=tuple(
            OrderLineView(
                position=line.position,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_amount=line.unit_price_amount,
                quantity=line.quantity,
            )
            for line in order.lines
        ),
        total_amount=order.total_amount,
        currency=order.currency,
        shipping_address=dict(order.shipping_address),
        payment=payment or payments.payment_of(session, order.id),
        created_at=order.created_at,
        updated_at=order.updated_at,
    )
