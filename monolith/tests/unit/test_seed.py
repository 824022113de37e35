from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith import seed, tables
from shop_monolith.catalog.models import Product
from shop_monolith.db import make_engine, make_session_factory
from shop_monolith.ordering.models.orders import Order
from shop_monolith.payments.gateways.sandbox import SandboxPaymentProvider

from ..conftest import cancel_order


def seeded(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    tables.create_all(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        seed.seed(session, scale=0.002, currency="EUR")
    return sessions


def test_the_same_scale_gives_the_same_rows(tmp_path: Path) -> None:
    def products(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
        with sessions() as session:
            rows = session.execute(select(Product.id, Product.sku, Product.price_amount))
            return sorted(tuple(row) for row in rows)

    first, second = seeded(tmp_path / "a.db"), seeded(tmp_path / "b.db")
    assert len(products(first)) == 20
    assert products(first) == products(second)


def test_seeding_a_database_with_products_is_refused(tmp_path: Path) -> None:
    sessions = seeded(tmp_path / "shop.db")
    with sessions() as session, pytest.raises(seed.SeedRefused):
        seed.seed(session, scale=0.002, currency="EUR")


def test_a_seeded_order_can_be_cancelled_and_refunded(tmp_path: Path) -> None:
    sessions = seeded(tmp_path / "shop.db")
    provider = SandboxPaymentProvider(sessions)
    with sessions() as session:
        order = session.scalars(select(Order).where(Order.status == "CONFIRMED")).first()
        assert order is not None
        cancelled = cancel_order(session, provider, order.customer_id, order.id)
        assert (cancelled.status, cancelled.payment.status) == ("CANCELLED", "REFUNDED")
