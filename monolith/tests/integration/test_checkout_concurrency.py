"""The whole checkout, raced on PostgreSQL: as many confirmed orders as units, no more."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.basket import services as basket
from shop_monolith.inventory.models import StockItem
from shop_monolith.ordering.models.orders import Order
from shop_monolith.payments.gateways.sandbox import SandboxPaymentProvider
from shop_monolith.shared.errors import Conflict

from ..conftest import add_customer, add_product, cancel_order, place_order


def test_parallel_checkouts_of_the_last_units(pg_sessions: sessionmaker[Session]) -> None:
    provider = SandboxPaymentProvider(pg_sessions)
    with pg_sessions() as session:
        product_id = add_product(session, on_hand=3).id
        customer_ids = [add_customer(session).id for _ in range(12)]
        for customer_id in customer_ids:
            basket.set_quantity(session, customer_id, product_id, 1, currency="EUR")

    def check_out(customer_id):  # type: ignore[no-untyped-def]
        with pg_sessions() as session:
            order = place_order(session, provider, customer_id)
            return order.status, order.rejection_reason

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(check_out, customer_ids))

    assert outcomes.count(("CONFIRMED", None)) == 3
    assert outcomes.count(("REJECTED", "out_of_stock")) == 9
    with pg_sessions() as session:
        item = session.get(StockItem, product_id)
        assert item is not None and (item.on_hand, item.reserved) == (0, 0)


def test_multi_line_orders_in_opposite_line_order_never_deadlock(
    pg_sessions: sessionmaker[Session],
) -> None:
    provider = SandboxPaymentProvider(pg_sessions)
    with pg_sessions() as session:
        first, second = add_product(session, on_hand=100).id, add_product(session, on_hand=100).id
        customer_ids = [add_customer(session).id for _ in range(12)]
        for n, customer_id in enumerate(customer_ids):
            for product_id in (first, second) if n % 2 else (second, first):
                basket.set_quantity(session, customer_id, product_id, 2, currency="EUR")

    def check_out_then_cancel(customer_id):  # type: ignore[no-untyped-def]
        with pg_sessions() as session:
            order = place_order(session, provider, customer_id)
            cancelled = cancel_order(session, provider, customer_id, order.id)
            return cancelled.status, cancelled.payment.status

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(check_out_then_cancel, customer_ids))

    assert outcomes == [("CANCELLED", "REFUNDED")] * len(customer_ids)
    with pg_sessions() as session:
        for product_id in (first, second):
            item = session.get(StockItem, product_id)
            assert item is not None and (item.on_hand, item.reserved) == (100, 0)


def test_one_basket_checked_out_in_parallel_makes_one_order(
    pg_sessions: sessionmaker[Session],
) -> None:
    provider = SandboxPaymentProvider(pg_sessions)
    with pg_sessions() as session:
        product_id = add_product(session, on_hand=10).id
        customer_id = add_customer(session).id
        basket.set_quantity(session, customer_id, product_id, 1, currency="EUR")

    def check_out(_: int):  # type: ignore[no-untyped-def]
        with pg_sessions() as session:
            try:
                return place_order(session, provider, customer_id).status
            except Conflict as error:
                return error.code

    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = list(pool.map(check_out, range(5)))

    assert outcomes.count("CONFIRMED") == 1, outcomes
    assert set(outcomes) - {"CONFIRMED"} <= {"basket-empty", "checkout-in-progress"}
    with pg_sessions() as session:
        item = session.get(StockItem, product_id)
        assert item is not None and (item.on_hand, item.reserved) == (9, 0)
        placed = session.scalars(select(Order).where(Order.customer_id == customer_id)).all()
        assert len(placed) == 1
