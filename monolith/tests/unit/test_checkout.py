from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shop_monolith.basket import services as basket
from shop_monolith.basket.models import BasketLine
from shop_monolith.inventory.models import StockItem, StockMovement
from shop_monolith.ordering import facade as ordering
from shop_monolith.ordering.services import settlement
from shop_monolith.payments import facade as payments
from shop_monolith.shared.errors import Conflict

from ..conftest import add_customer, add_product, card, place_order, reread
from .fakes import DECLINE, TIME_OUT, FakePaymentProvider


def stock(session: Session, product_id) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    item = session.get(StockItem, product_id, populate_existing=True)
    assert item is not None
    return item.on_hand, item.reserved


def test_approved_card_confirms_sells_stock_and_empties_the_basket(session: Session) -> None:
    customer, product = add_customer(session), add_product(session, price=250, on_hand=5)
    basket.set_quantity(session, customer.id, product.id, 2, currency="EUR")

    order = place_order(session, FakePaymentProvider(), customer.id)

    assert (order.status, order.payment.status, order.total_amount) == (
        "CONFIRMED",
        "CAPTURED",
        500,
    )
    assert stock(session, product.id) == (3, 0)
    assert basket.view(session, customer.id, currency="EUR").lines == []
    sale = session.query(StockMovement).filter_by(order_id=order.id).one()
    assert (sale.kind, sale.delta) == ("SALE", -2)


def test_declined_card_rejects_releases_stock_and_keeps_the_basket(session: Session) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=5)
    basket.set_quantity(session, customer.id, product.id, 2, currency="EUR")

    order = place_order(session, FakePaymentProvider(), customer.id, DECLINE)

    assert (order.status, order.rejection_reason, order.payment.status) == (
        "REJECTED",
        "payment_declined",
        "DECLINED",
    )
    assert stock(session, product.id) == (5, 0)
    assert len(basket.view(session, customer.id, currency="EUR").lines) == 1


def test_not_enough_stock_rejects_without_charging_or_reserving(session: Session) -> None:
    customer = add_customer(session)
    plenty, scarce = add_product(session, on_hand=9), add_product(session, on_hand=1)
    basket.set_quantity(session, customer.id, plenty.id, 3, currency="EUR")
    basket.set_quantity(session, customer.id, scarce.id, 2, currency="EUR")
    provider = FakePaymentProvider()

    order = place_order(session, provider, customer.id)

    assert (order.status, order.rejection_reason, order.payment.status) == (
        "REJECTED",
        "out_of_stock",
        "NOT_CHARGED",
    )
    assert stock(session, plenty.id) == (9, 0)  # the line that fitted was not left reserved
    assert provider.charges == {}


def test_inactive_product_rejects_the_order(session: Session) -> None:
    customer, product = add_customer(session), add_product(session)
    session.add(BasketLine(customer_id=customer.id, product_id=product.id, quantity=1))
    product.active = False
    session.commit()

    order = place_order(session, FakePaymentProvider(), customer.id)

    assert (order.status, order.rejection_reason) == ("REJECTED", "product_unavailable")


def test_empty_basket_is_a_conflict(session: Session) -> None:
    customer = add_customer(session)
    with pytest.raises(Conflict) as raised:
        place_order(session, FakePaymentProvider(), customer.id)
    assert raised.value.code == "basket-empty"


def test_timeout_leaves_pending_until_settled_as_failed(session: Session) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=3)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()

    order = place_order(session, provider, customer.id, TIME_OUT)
    assert (order.status, stock(session, product.id)) == ("PENDING", (3, 1))

    settled = ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1))

    order = reread(session, order)
    assert settled == 1
    assert (order.status, order.rejection_reason, order.payment.status) == (
        "REJECTED",
        "payment_timeout",
        "FAILED",
    )
    assert stock(session, product.id) == (3, 0)


def test_timeout_that_did_charge_is_settled_as_confirmed(session: Session) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=3)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider(charge_on_timeout=True)

    order = place_order(session, provider, customer.id, TIME_OUT)
    ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1))

    order = reread(session, order)
    assert (order.status, order.payment.status) == ("CONFIRMED", "CAPTURED")
    assert stock(session, product.id) == (2, 0)


def test_recent_pending_payments_are_left_alone(session: Session) -> None:
    customer, product = add_customer(session), add_product(session)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()
    place_order(session, provider, customer.id, TIME_OUT)

    assert ordering.settle_stale_payments(session, provider, older_than=timedelta(minutes=5)) == 0


def test_a_late_approval_for_an_order_already_failed_is_refunded(session: Session) -> None:
    customer, product = add_customer(session), add_product(session)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()
    order = place_order(session, provider, customer.id, TIME_OUT)
    ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1))

    late = payments.charge(provider, order_id=order.id, amount=1, currency="EUR", card=card())
    settlement.finalise_payment(session, provider, order.id, late)

    assert provider.refunded == [late.charge_id]
    order = reread(session, order)
    assert (order.status, order.payment.status) == ("REJECTED", "REFUNDED")


def test_a_late_approval_whose_refund_fails_stays_due_until_settlement(session: Session) -> None:
    customer, product = add_customer(session), add_product(session)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()
    order = place_order(session, provider, customer.id, TIME_OUT)
    ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1))
    late = payments.charge(provider, order_id=order.id, amount=1, currency="EUR", card=card())

    refund = provider.refund
    provider.refund = lambda *, charge_id: (_ for _ in ()).throw(ConnectionError("down"))  # type: ignore[method-assign]
    settlement.finalise_payment(session, provider, order.id, late)
    order = reread(session, order)
    assert (order.status, order.payment.status) == ("REJECTED", "CAPTURED")

    provider.refund = refund  # type: ignore[method-assign]
    ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1))
    order = reread(session, order)
    assert order.payment.status == "REFUNDED" and provider.refunded == [late.charge_id]


def test_one_failing_order_does_not_stop_settlement_of_the_others(session: Session) -> None:
    provider = FakePaymentProvider()
    pending = []
    for _ in range(2):
        customer, product = add_customer(session), add_product(session)
        basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
        pending.append(place_order(session, provider, customer.id, TIME_OUT))
    lookup = provider.lookup

    def lookup_failing_for_the_first(*, key: str):  # type: ignore[no-untyped-def]
        if key == f"order-{pending[0].id}":
            raise ConnectionError("provider hiccup")
        return lookup(key=key)

    provider.lookup = lookup_failing_for_the_first  # type: ignore[method-assign]
    assert ordering.settle_stale_payments(session, provider, older_than=timedelta(seconds=-1)) == 1
    pending = [reread(session, order) for order in pending]
    assert [o.status for o in pending] == ["PENDING", "REJECTED"]
