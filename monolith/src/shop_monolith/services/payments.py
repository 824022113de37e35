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


def settle_stale_payments(
    session: Session, provider: AbstractPaymentProvider, *, older_than: timedelta, limit: int = 100
) -> int:
    """Ask the provider about PENDING orders whose charge has had no answer for a while."""
    cutoff = datetime.now(UTC) - older_than
    order_ids = OrderRepository(session).pending_attempted_before(cutoff, limit)
    session.commit()
    for order_id in order_ids:
        finalise_payment(session, provider, order_id, provider.lookup(key=charge_key(order_id)))
    return len(order_ids)
