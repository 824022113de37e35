"""Orders: listing, cancelling (once per Idempotency-Key) and shipping."""

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from shop_monolith.inventory import facade as inventory
from shop_monolith.ordering import events
from shop_monolith.ordering.models.orders import Order
from shop_monolith.ordering.repositories.orders import OrderRepository
from shop_monolith.ordering.services import idempotency
from shop_monolith.ordering.services.settlement import refund_if_due
from shop_monolith.payments import facade as payments
from shop_monolith.payments.facade import AbstractPaymentProvider
from shop_monolith.shared import outbox
from shop_monolith.shared.errors import Conflict, NotFound
from shop_monolith.shared.pages import Page

STATUSES = ("PENDING", "CONFIRMED", "REJECTED", "SHIPPED", "CANCELLED")


def list_for_customer(
    session: Session, customer_id: uuid.UUID, *, page: int, per_page: int
) -> Page[Order]:
    return OrderRepository(session).page_of(customer_id=customer_id, page=page, per_page=per_page)


def list_all(session: Session, *, status: str | None, page: int, per_page: int) -> Page[Order]:
    return OrderRepository(session).page_of(status=status, page=page, per_page=per_page)


def get_for_customer(session: Session, customer_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = OrderRepository(session).get(order_id)
    if order is None or order.customer_id != customer_id:
        raise NotFound("The order")  # another customer's order is reported as missing
    return order


def run_once(
    session: Session,
    customer_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
    use_case: Callable[[idempotency.Claim], Order],
) -> tuple[Order, int | None]:
    """Run a use case that makes or changes an order at most once per Idempotency-Key.

    Answers the order, and the status to replay if an earlier request with the key finished
    (None: the use case ran now). If the use case fails, the key is given back for a retry.
    """
    claim = idempotency.claim(session, customer_id, key, request_fingerprint)
    if claim.is_replay:
        assert claim.resource_id is not None
        return get_for_customer(session, customer_id, claim.resource_id), claim.replay_status
    try:
        return use_case(claim), None
    except BaseException:
        idempotency.release(session, claim)
        raise


def cancel_once(
    session: Session,
    provider: AbstractPaymentProvider,
    *,
    customer_id: uuid.UUID,
    order_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
) -> tuple[Order, int | None]:
    """Cancel one of the customer's orders at most once per key (the API's and the storefront's)."""
    return run_once(
        session,
        customer_id,
        key,
        request_fingerprint,
        lambda claim: cancel(
            session, provider, customer_id=customer_id, order_id=order_id, claim=claim
        ),
    )


def cancel(
    session: Session,
    provider: AbstractPaymentProvider,
    *,
    customer_id: uuid.UUID,
    order_id: uuid.UUID,
    claim: idempotency.Claim,
) -> Order:
    """Cancel a confirmed order: put the units back on hand, then refund the charge.

    The cancellation commits before the provider is called, so no lock is held across that
    call; if the refund fails, the answer still says CANCELLED (payment CAPTURED) and
    settle-payments makes the refund later (refunds are idempotent).
    """
    order = OrderRepository(session).get(order_id, for_update=True)
    if order is None or order.customer_id != customer_id:
        raise NotFound("The order")
    if order.status != "CONFIRMED":
        raise Conflict(
            "order-not-cancellable",
            f"Only a CONFIRMED order can be cancelled; this one is {order.status}.",
        )
    inventory.restock_all(session, order.units(), order_id=order.id)
    order.status = "CANCELLED"
    session.flush()
    outbox.record(session, events.order_moved(order))
    payments.request_refund(session, order.id)
    idempotency.record_outcome(session, claim, status=200, resource_id=order.id)
    session.commit()
    return refund_if_due(session, provider, order.id)


def ship(session: Session, order_id: uuid.UUID) -> Order:
    order = OrderRepository(session).get(order_id, for_update=True)
    if order is None:
        raise NotFound("The order")
    if order.status != "CONFIRMED":
        raise Conflict(
            "order-not-shippable",
            f"Only a CONFIRMED order can be shipped; this one is {order.status}.",
        )
    order.status = "SHIPPED"
    session.flush()
    outbox.record(session, events.order_moved(order))
    session.commit()
    return order
