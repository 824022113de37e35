"""Settling an order's payment: the provider's answer decides CONFIRMED or REJECTED.

Ordering decides what the order's money should do; payments records it and talks to the
provider. Whatever a request leaves unfinished (an unknown charge outcome, a refund that
failed), `settle_stale_payments` finishes later, since every provider call can be repeated.
"""

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.orm import Session

from shop_monolith.basket import facade as basket
from shop_monolith.inventory import facade as inventory
from shop_monolith.ordering import events
from shop_monolith.ordering.models.orders import Order
from shop_monolith.ordering.repositories.orders import OrderRepository
from shop_monolith.payments import facade as payments
from shop_monolith.shared import outbox

log = structlog.get_logger(__name__)

# Orders in these states keep no money: a captured payment on them must be given back.
NOT_KEPT = ("CANCELLED", "REJECTED")
# At most this many orders of each kind (unknown outcome, refund due) per settling round.
SETTLE_BATCH = 100


def finalise_payment(
    session: Session,
    provider: payments.AbstractPaymentProvider,
    order_id: uuid.UUID,
    result: payments.ChargeResult | None,
) -> Order:
    """Apply the provider's answer (None: it has no charge for the order) to a PENDING order."""
    orders = OrderRepository(session)
    order = orders.get(order_id, for_update=True)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    if order.status != "PENDING":
        if result is not None and result.approved and order.status in NOT_KEPT:
            # Settled as failed first, yet the money moved: record it, then give it back.
            if payments.record_capture_to_refund(session, order_id, result.charge_id):
                orders.touch(order_id)
            session.commit()
            return refund_if_due(session, provider, order_id)
        session.commit()
        return order
    payments.record_outcome(session, order_id, result)
    if result is not None and result.approved:
        inventory.sell_all(session, order.units(), order_id=order.id)
        basket.remove_products(session, order.customer_id, list(order.units()))
        order.status = "CONFIRMED"
    else:
        inventory.release_all(session, order.units())
        order.status = "REJECTED"
        order.rejection_reason = "payment_declined" if result else "payment_timeout"
    session.flush()
    outbox.record(session, events.order_moved(order))
    session.commit()
    log.info("order_settled", order_id=str(order.id), status=order.status)
    return order


def refund_if_due(
    session: Session, provider: payments.AbstractPaymentProvider, order_id: uuid.UUID
) -> Order:
    """Give back the money of an order that keeps none, once; a failure leaves it due."""
    _refund(session, provider, order_id)
    order = OrderRepository(session).get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    return order


def _refund(
    session: Session, provider: payments.AbstractPaymentProvider, order_id: uuid.UUID
) -> bool:
    if not payments.refund(session, provider, order_id):
        return False
    OrderRepository(session).touch(order_id)  # the payment's change is the order's change
    session.commit()
    log.info("order_refunded", order_id=str(order_id))
    return True


def settle_stale_payments(
    session: Session, provider: payments.AbstractPaymentProvider, *, older_than: timedelta
) -> int:
    """Finish what requests left open: unknown charge outcomes and refunds still due.

    One order's failure is logged and skipped, so it cannot stop the others from settling.
    """
    cutoff = datetime.now(UTC) - older_than
    pending = payments.unsettled_before(session, cutoff, SETTLE_BATCH)
    refunds_due = payments.refunds_due_before(session, cutoff, SETTLE_BATCH)
    session.commit()
    settled = 0
    for order_id in pending + refunds_due:
        try:
            if order_id in refunds_due:
                settled += _refund(session, provider, order_id)
            else:
                result = payments.look_up(provider, order_id)
                settled += finalise_payment(session, provider, order_id, result).status != "PENDING"
        except Exception as error:  # keep settling the rest; this one is retried next round
            session.rollback()
            log.error("settle_failed", order_id=str(order_id), error=repr(error))
    return settled
