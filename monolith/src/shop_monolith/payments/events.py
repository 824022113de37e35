"""Payments' domain events (ADR-0015): money that moved, by order id, never a card number."""

from shop_monolith.payments.models import Payment
from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.formats import money, timestamp
from shop_monolith.shared.orm import utcnow


def payment_captured(payment: Payment) -> DomainEvent:
    return _event("payment_captured", payment)


def payment_refunded(payment: Payment) -> DomainEvent:
    return _event("payment_refunded", payment)


def _event(kind: str, payment: Payment) -> DomainEvent:
    occurred_at = utcnow()
    data = {
        "payment": {
            "order_id": str(payment.order_id),
            "status": payment.status,
            "amount": money(payment.amount, payment.currency),
            "card_last4": payment.card_last4,
            "provider_charge_id": payment.provider_charge_id,
        },
        "at": timestamp(occurred_at),
    }
    return DomainEvent("payments", kind, "payment", payment.order_id, data, occurred_at=occurred_at)
