"""Checkout: basket -> PENDING order with reserved stock -> charge -> CONFIRMED or REJECTED."""

import uuid

import structlog
from sqlalchemy.orm import Session

from shop_monolith.basket import facade as baskets
from shop_monolith.basket.facade import BasketLineView
from shop_monolith.inventory import facade as inventory
from shop_monolith.ordering import events
from shop_monolith.ordering.models.orders import Order, OrderLine
from shop_monolith.ordering.repositories.orders import OrderRepository
from shop_monolith.ordering.services import idempotency, orders
from shop_monolith.ordering.services.settlement import finalise_payment
from shop_monolith.payments import facade as payments
from shop_monolith.payments.facade import AbstractPaymentProvider, CardDetails
from shop_monolith.shared import outbox
from shop_monolith.shared.errors import CheckoutInProgress, Conflict

log = structlog.get_logger(__name__)


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
) -> tuple[Order, int | None]:
    """Check out the customer's basket at most once per key (the API's and the storefront's).

    Answers the order, and the status to replay when the key's first request placed it.
    """
    return orders.run_once(
        session,
        customer_id,
        key,
        request_fingerprint,
        lambda claim: place_order(
            session,
            provider,
            customer_id=customer_id,
            claim=claim,
            shipping_address=shipping_address,
            card=card,
            currency=currency,
        ),
    )


def place_order(
    session: Session,
    provider: AbstractPaymentProvider,
    *,
    customer_id: uuid.UUID,
    claim: idempotency.Claim,
    shipping_address: dict[str, str],
    card: CardDetails,
    currency: str,
) -> Order:
    # One checkout of a basket at a time: the basket stays locked until the order is written,
    # and an order still PENDING holds it until the payment's outcome is known.
    baskets.lock(session, customer_id)
    pending = OrderRepository(session).pending_order_id(customer_id)
    if pending is not None:
        raise CheckoutInProgress(pending)
    basket = baskets.lines(session, customer_id)
    if not basket:
        raise Conflict("basket-empty", "The basket is empty: add products before checking out.")
    order = _new_order(customer_id, basket, shipping_address, currency)
    rejection = _reserve_stock(session, basket)
    if rejection is not None:
        order.status, order.rejection_reason = "REJECTED", rejection
    OrderRepository(session).add(order)
    session.flush()  # its timestamps, for the events
    outbox.record(session, events.order_placed(order))
    if rejection is not None:  # placed and rejected at once: both, in this order
        outbox.record(session, events.order_moved(order))
    payments.open_payment(
        session,
        order_id=order.id,
        amount=order.total_amount,
        currency=currency,
        card_last4=card.last4,
        will_charge=rejection is None,
    )
    idempotency.record_outcome(session, claim, status=201, resource_id=order.id)
    session.commit()
    log.info("order_placed", order_id=str(order.id), status=order.status)
    if rejection is not None:
        return order

    try:
        result = payments.charge(
            provider, order_id=order.id, amount=order.total_amount, currency=currency, card=card
        )
    except payments.ProviderTimeout:
        # Unknown outcome: the order stays PENDING until settle-payments asks the provider.
        log.warning("payment_timed_out", order_id=str(order.id))
        return order
    return finalise_payment(session, provider, order.id, result)


def _new_order(
    customer_id: uuid.UUID, basket: list[BasketLineView], address: dict[str, str], currency: str
) -> Order:
    lines = [
        OrderLine(
            position=position,
            product_id=line.product_id,
            sku=line.product.sku,
            name=line.product.name,
            unit_price_amount=line.product.price_amount,
            quantity=line.quantity,
        )
        for position, line in enumerate(basket, start=1)
    ]
    return Order(
        id=uuid.uuid4(),
        customer_id=customer_id,
        status="PENDING",
        currency=currency,
        shipping_address=address,
        total_amount=sum(line.unit_price_amount * line.quantity for line in lines),
        lines=lines,
    )


def _reserve_stock(session: Session, basket: list[BasketLineView]) -> str | None:
    """Reserve every line or none; answers the rejection reason when it cannot."""
    if any(not line.product.active for line in basket):
        return "product_unavailable"
    if not inventory.reserve_all(session, {line.product_id: line.quantity for line in basket}):
        return "out_of_stock"
    return None
