from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shop_monolith.basket import services as basket
from shop_monolith.inventory.models import StockItem, StockMovement
from shop_monolith.ordering import facade as ordering
from shop_monolith.ordering.services import orders
from shop_monolith.shared.errors import Conflict, NotFound

from ..conftest import add_customer, add_product, cancel_order, place_order, reread
from .fakes import DECLINE, FakePaymentProvider


def confirmed_order(
    session: Session, provider: FakePaymentProvider, number: str = "4242424242424242"
):  # type: ignore[no-untyped-def]
    customer, product = add_customer(session), add_product(session, on_hand=4)
    basket.set_quantity(session, customer.id, product.id, 3, currency="EUR")
    return customer, product, place_order(session, provider, customer.id, number)


def test_cancel_refunds_and_restocks(session: Session) -> None:
    provider = FakePaymentProvider()
    customer, product, order = confirmed_order(session, provider)

    cancelled = cancel_order(session, provider, customer.id, order.id)

    assert (cancelled.status, cancelled.payment.status) == ("CANCELLED", "REFUNDED")
    assert provider.refunded == [order.payment.provider_charge_id]
    item = session.get(StockItem, product.id, populate_existing=True)
    assert item is not None and item.on_hand == 4
    kinds = {m.kind for m in session.query(StockMovement).filter_by(order_id=order.id)}
    assert kinds == {"SALE", "RESTOCK"}


def test_only_confirmed_orders_can_be_cancelled(session: Session) -> None:
    provider = FakePaymentProvider()
    customer, _, order = confirmed_order(session, provider, DECLINE)
    with pytest.raises(Conflict) as raised:
        cancel_order(session, provider, customer.id, order.id)
    assert raised.value.code == "order-not-cancellable"
    assert provider.refunded == []


def test_another_customers_order_is_not_found(session: Session) -> None:
    provider = FakePaymentProvider()
    _, _, order = confirmed_order(session, provider)
    stranger = add_customer(session)
    with pytest.raises(NotFound):
        orders.get_for_customer(session, stranger.id, order.id)
    with pytest.raises(NotFound):
        cancel_order(session, provider, stranger.id, order.id)


def test_ship_moves_confirmed_to_shipped_once(session: Session) -> None:
    _, _, order = confirmed_order(session, FakePaymentProvider())
    assert orders.ship(session, order.id).status == "SHIPPED"
    with pytest.raises(Conflict) as raised:
        orders.ship(session, order.id)
    assert raised.value.code == "order-not-shippable"


def test_lists_are_newest_first_and_per_customer(session: Session) -> None:
    provider = FakePaymentProvider()
    customer, product, first = confirmed_order(session, provider)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    second = place_order(session, provider, customer.id)
    page = orders.list_for_customer(session, customer.id, page=1, per_page=10)
    assert [o.id for o in page.items] == [second.id, first.id]
    assert (
        orders.list_for_customer(session, add_customer(session).id, page=1, per_page=10).total == 0
    )


class FlakyRefunds(FakePaymentProvider):
    def __init__(self) -> None:
        super().__init__()
        self.fail_next_refund = True

    def refund(self, *, charge_id: str) -> None:
        if self.fail_next_refund:
            self.fail_next_refund = False
            raise ConnectionError("provider unreachable")
        super().refund(charge_id=charge_id)


def test_a_refund_that_failed_during_cancel_is_finished_by_settlement(session: Session) -> None:
    provider = FlakyRefunds()
    customer, _, order = confirmed_order(session, provider)

    cancelled = cancel_order(session, provider, customer.id, order.id)
    # The cancellation stands; the refund is still due.
    assert (cancelled.status, cancelled.payment.status) == ("CANCELLED", "CAPTURED")
    cancelled_at = cancelled.updated_at

    assert ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1)) == 1

    order = reread(session, order)
    assert order.payment.status == "REFUNDED"
    assert provider.refunded == [order.payment.provider_charge_id]
    # The payment's change is the order's change too (contract: Order.updated_at).
    assert order.updated_at > cancelled_at
