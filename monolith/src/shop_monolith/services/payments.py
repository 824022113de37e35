"""The money side of an order: finishing a charge, settling unknown outcomes, refunds."""

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.orm import Session

from shop_monolith.gateways.payment_provider import AbstractPaymentProvider, ChargeResult
from shop_monolith.models import Order, StockMovement
from shop_monolith.repositories.baskets import BasketRepository
from shop_monolith.repositories.inventory import InventoryRepository
from shop_monolith.repositories.orders import OrderRepository

log = structlog.get_logger(__name__)


def charge_key(order_id: uuid.UUID) -> str:
    return f"order-{order_id}"


def finalise_payment(
    session: Session,
    provider: AbstractPaymentProvider,
    order_id: uuid.UUID,
    result: ChargeResult | None,
) -> Order:
    """Apply the provider's answer (None: it has no charge for the order) to a PENDING order."""
    order = OrderRepository(session).get(order_id, for_update=True)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    if order.status != "PENDING":
        session.commit()
        if result is not None and result.approved and order.payment.provider_charge_id is None:
            # Settled as failed by someone else first, yet the money moved: give it back.
            provider.refund(charge_id=result.charge_id)
        return order
    inventory = InventoryRepository(session)
    if result is not None and result.approved:
        for line in order.lines:
            inventory.commit_sale(line.product_id, line.quantity)
            inventory.record(
                StockMovement(
                    product_id=line.product_id,
                    delta=-line.quantity,
                    kind="SALE",
                    reason=f"order {order.id}",
                    order_id=order.id,
                )
            )
        baskets = BasketRepository(session)
        for line in order.lines:
            baskets.remove(order.customer_id, line.product_id)
        order.status = "CONFIRMED"
        order.payment.status = "CAPTURED"
        order.payment.provider_charge_id = result.charge_id
    else:
        for line in order.lines:
            inventory.release(line.product_id, line.quantity)
        order.status = "REJECTED"
        order.rejection_reason = "payment_declined" if result else "payment_timeout"
        order.payment.status = "DECLINED" if result else "FAILED"
    session.commit()
    log.info("order_settled", order_id=str(order.id), status=order.status)
    return order


def refund_cancelled(
    session: Session, provider: AbstractPaymentProvider, order_id: uuid.UUID
) -> Order:
    """Refund a cancelled order's captured charge, once, and record it."""
    orders = OrderRepository(session)
    order = orders.get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    charge_id = order.payment.provider_charge_id
    session.commit()  # hold no transaction while the provider is called
    if order.status != "CANCELLED" or order.payment.status != "CAPTURED":
        return order
    if charge_id is not None:
        provider.refund(charge_id=charge_id)
    orders.mark_refunded(order_id)
    session.commit()
    refunded = orders.get(order_id)
    assert refunded is not None
    log.info("order_refunded", order_id=str(order_id))
    return refunded


def settle_stale_payments(
    session: Session, provider: AbstractPaymentProvider, *, older_than: timedelta, limit: int = 100
) -> int:
    """Finish what a request left open: unknown charge outcomes and refunds not yet made."""
    cutoff = datetime.now(UTC) - older_than
    orders = OrderRepository(session)
    pending = orders.pending_attempted_before(cutoff, limit)
    unrefunded = orders.cancelled_unrefunded_before(cutoff, limit)
    session.commit()
    for order_id in pending:
        finalise_payment(session, provider, order_id, provider.lookup(key=charge_key(order_id)))
    for order_id in unrefunded:
        refund_cancelled(session, provider, order_id)
    return len(pending) + len(unrefunded)
