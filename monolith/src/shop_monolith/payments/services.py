"""The money side of an order: finishing a charge, settling unknown outcomes, refunds.

Rule: no transaction is held while the provider is called, and every provider call can be
repeated safely (charges are keyed by order, refunds are idempotent), so whatever a request
leaves unfinished, `settle_stale_payments` finishes.
"""

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.orm import Session

from shop_monolith.basket import facade as basket
from shop_monolith.inventory import facade as inventory
from shop_monolith.ordering.models.orders import Order
from shop_monolith.ordering.repositories.orders import OrderRepository
from shop_monolith.payments.gateways.provider import AbstractPaymentProvider, ChargeResult

log = structlog.get_logger(__name__)

# Orders in these states keep no money: a CAPTURED payment on them is a refund still due.
NOT_KEPT = ("CANCELLED", "REJECTED")
# At most this many orders of each kind (unknown outcome, refund due) per settling round.
SETTLE_BATCH = 100


def charge_key(order_id: uuid.UUID) -> str:
    return f"order-{order_id}"


def finalise_payment(
    session: Session,
    provider: AbstractPaymentProvider,
    order_id: uuid.UUID,
    result: ChargeResult | None,
) -> Order:
    """Apply the provider's answer (None: it has no charge for the order) to a PENDING order."""
    orders = OrderRepository(session)
    order = orders.get(order_id, for_update=True)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    if order.status != "PENDING":
        if result is not None and result.approved and order.status in NOT_KEPT:
            # Settled as failed first, yet the money moved: record it, then give it back.
            orders.record_late_capture(order_id, result.charge_id)
            session.commit()
            return refund_if_due(session, provider, order_id)
        session.commit()
        return order
    if result is not None and result.approved:
        inventory.sell_all(session, order.units(), order_id=order.id)
        basket.remove_products(session, order.customer_id, list(order.units()))
        order.status = "CONFIRMED"
        order.payment.status = "CAPTURED"
        order.payment.provider_charge_id = result.charge_id
    else:
        inventory.release_all(session, order.units())
        order.status = "REJECTED"
        order.rejection_reason = "payment_declined" if result else "payment_timeout"
        order.payment.status = "DECLINED" if result else "FAILED"
    session.commit()
    log.info("order_settled", order_id=str(order.id), status=order.status)
    return order


def refund_if_due(
    session: Session, provider: AbstractPaymentProvider, order_id: uuid.UUID
) -> Order:
    """Refund a cancelled or rejected order's captured charge, once, and record it.

    A provider failure is logged, not raised: the refund stays due and settlement retries it.
    """
    orders = OrderRepository(session)
    order = orders.get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    charge_id = order.payment.provider_charge_id
    session.commit()  # hold no transaction while the provider is called
    if order.status not in NOT_KEPT or order.payment.status != "CAPTURED" or charge_id is None:
        return order
    try:
        provider.refund(charge_id=charge_id)
    except Exception as error:  # any failure: the refund stays due, settlement retries it
        log.warning("refund_failed", order_id=str(order_id), error=repr(error))
        return order
    orders.mark_refunded(order_id)
    session.commit()
    log.info("order_refunded", order_id=str(order_id))
    refunded = orders.get(order_id)
    assert refunded is not None
    return refunded


def settle_stale_payments(
    session: Session, provider: AbstractPaymentProvider, *, older_than: timedelta
) -> int:
    """Finish what requests left open: unknown charge outcomes and refunds still due.

    One order's failure is logged and skipped, so it cannot stop the others from settling.
    """
    cutoff = datetime.now(UTC) - older_than
    orders = OrderRepository(session)
    pending = orders.pending_attempted_before(cutoff, SETTLE_BATCH)
    refunds_due = orders.refunds_due_before(cutoff, SETTLE_BATCH, statuses=NOT_KEPT)
    session.commit()
    settled = 0
    for order_id in pending + refunds_due:
        try:
            if order_id in refunds_due:
                order = refund_if_due(session, provider, order_id)
                settled += order.payment.status == "REFUNDED"
            else:
                result = provider.lookup(key=charge_key(order_id))
                settled += finalise_payment(session, provider, order_id, result).status != "PENDING"
        except Exception as error:  # keep settling the rest; this one is retried next round
            session.rollback()
            log.error("settle_failed", order_id=str(order_id), error=repr(error))
    return settled
