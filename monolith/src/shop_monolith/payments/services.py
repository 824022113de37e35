"""The money side of an order: charges, their recorded outcomes and refunds, by order id.

Rule: no transaction is held while the provider is called, and every provider call can be
repeated safely (charges are keyed by order, refunds are idempotent), so whatever a request
leaves unfinished, ordering's settlement finishes through these functions.
"""

import uuid
from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from shop_monolith.payments import events
from shop_monolith.payments.gateways.provider import (
    AbstractPaymentProvider,
    CardDetails,
    ChargeResult,
)
from shop_monolith.payments.models import Payment
from shop_monolith.payments.repositories import PaymentRepository
from shop_monolith.shared import outbox

log = structlog.get_logger(__name__)


def charge_key(order_id: uuid.UUID) -> str:
    return f"order-{order_id}"


def open_payment(
    session: Session,
    *,
    order_id: uuid.UUID,
    amount: int,
    currency: str,
    card_last4: str,
    will_charge: bool,
) -> None:
    """Record the order's payment, PENDING until charged, or NOT_CHARGED (caller commits)."""
    PaymentRepository(session).add(
        Payment(
            order_id=order_id,
            amount=amount,
            currency=currency,
            card_last4=card_last4,
            status="PENDING" if will_charge else "NOT_CHARGED",
        )
    )


def charge(
    provider: AbstractPaymentProvider,
    *,
    order_id: uuid.UUID,
    amount: int,
    currency: str,
    card: CardDetails,
) -> ChargeResult:
    """Charge the card once per order; raises ProviderTimeout when the outcome is unknown."""
    return provider.charge(key=charge_key(order_id), amount=amount, currency=currency, card=card)


def look_up(provider: AbstractPaymentProvider, order_id: uuid.UUID) -> ChargeResult | None:
    """The provider's answer to the order's charge, or None if it made none."""
    return provider.lookup(key=charge_key(order_id))


def record_outcome(session: Session, order_id: uuid.UUID, result: ChargeResult | None) -> None:
    """A PENDING payment takes the provider's answer (None: no charge), in the caller's
    transaction: CAPTURED, DECLINED, or FAILED."""
    payment = PaymentRepository(session).get(order_id, for_update=True)
    if payment is None or payment.status != "PENDING":
        raise LookupError(f"no pending payment for order {order_id}")
    if result is not None and result.approved:
        payment.status, payment.provider_charge_id = "CAPTURED", result.charge_id
        outbox.record(session, events.payment_captured(payment))
    else:
        payment.status = "DECLINED" if result else "FAILED"


def record_capture_to_refund(session: Session, order_id: uuid.UUID, charge_id: str) -> bool:
    """Money moved for an order that keeps none: record it with its refund requested.

    In the caller's transaction; answers whether the payment changed.
    """
    payments = PaymentRepository(session)
    changed = payments.record_capture_to_refund(order_id, charge_id)
    if changed:
        outbox.record(session, events.payment_captured(_reread(payments, order_id)))
    return changed


def request_refund(session: Session, order_id: uuid.UUID) -> bool:
    """Ask for a captured payment back, in the caller's transaction (True: it was captured)."""
    return PaymentRepository(session).request_refund(order_id)


def refund(session: Session, provider: AbstractPaymentProvider, order_id: uuid.UUID) -> bool:
    """Make the order's requested refund once; True if it was made by this call.

    The caller's transaction is committed before the provider is called; the REFUNDED mark
    is left in a new one for the caller to commit. A provider failure is logged, not raised:
    the refund stays due and settlement retries it.
    """
    payment = PaymentRepository(session).get(order_id)
    due = (
        payment is not None
        and payment.status == "CAPTURED"
        and payment.refund_requested_at is not None
    )
    charge_id = payment.provider_charge_id if payment is not None else None
    session.commit()  # hold no transaction while the provider is called
    if not due or charge_id is None:
        return False
    try:
        provider.refund(charge_id=charge_id)
    except Exception as error:  # any failure: the refund stays due, settlement retries it
        log.warning("refund_failed", order_id=str(order_id), error=repr(error))
        return False
    payments = PaymentRepository(session)
    refunded = payments.mark_refunded(order_id)
    if refunded:
        outbox.record(session, events.payment_refunded(_reread(payments, order_id)))
        log.info("payment_refunded", order_id=str(order_id))
    return refunded


def _reread(payments: PaymentRepository, order_id: uuid.UUID) -> Payment:
    payment = payments.get(order_id)
    assert payment is not None, order_id
    return payment


def unsettled_before(session: Session, cutoff: datetime, limit: int) -> list[uuid.UUID]:
    return PaymentRepository(session).unsettled_before(cutoff, limit)


def refunds_due_before(session: Session, cutoff: datetime, limit: int) -> list[uuid.UUID]:
    return PaymentRepository(session).refunds_due_before(cutoff, limit)
