"""Payments as the rest of the shop sees them: by order id, answering frozen values.

Ordering decides what an order's money should do (charge it, keep it, give it back); payments
talks to the provider and keeps the record. Nothing here reads or writes an order.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shop_monolith.payments.gateways.provider import (
    AbstractPaymentProvider,
    CardDetails,
    ChargeResult,
    ProviderTimeout,
)
from shop_monolith.payments.gateways.sandbox import SandboxPaymentProvider
from shop_monolith.payments.models import Payment
from shop_monolith.payments.repositories import PaymentRepository
from shop_monolith.payments.services import (
    charge,
    look_up,
    open_payment,
    record_capture_to_refund,
    record_outcome,
    refund,
    refunds_due_before,
    request_refund,
    unsettled_before,
)

__all__ = [
    "AbstractPaymentProvider",
    "CardDetails",
    "ChargeResult",
    "PaymentView",
    "ProviderTimeout",
    "SandboxPaymentProvider",
    "charge",
    "look_up",
    "open_payment",
    "payment_of",
    "payments_of",
    "record_capture_to_refund",
    "record_outcome",
    "refund",
    "refunds_due_before",
    "request_refund",
    "unsettled_before",
]


@dataclass(frozen=True)
class PaymentView:
    order_id: uuid.UUID
    status: str
    amount: int
    currency: str
    card_last4: str
    provider_charge_id: str | None


def payment_of(session: Session, order_id: uuid.UUID) -> PaymentView:
    payment = PaymentRepository(session).get(order_id)
    if payment is None:
        raise LookupError(f"order {order_id} has no payment")
    return _view(payment)


def payments_of(session: Session, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PaymentView]:
    return {
        order_id: _view(payment)
        for order_id, payment in PaymentRepository(session).of_orders(order_ids).items()
    }


def _view(payment: Payment) -> PaymentView:
    return PaymentView(
        order_id=payment.order_id,
        status=payment.status,
        amount=payment.amount,
        currency=payment.currency,
        card_last4=payment.card_last4,
        provider_charge_id=payment.provider_charge_id,
    )
