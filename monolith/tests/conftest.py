"""Fixtures shared by the monolith's own tests."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith import tables
from shop_monolith.catalog.models import Product
from shop_monolith.customers.models import Customer
from shop_monolith.db import make_engine, make_session_factory
from shop_monolith.inventory.models import StockItem
from shop_monolith.ordering import facade as ordering
from shop_monolith.ordering.facade import OrderView
from shop_monolith.ordering.services import checkout, idempotency, orders
from shop_monolith.payments.facade import AbstractPaymentProvider, CardDetails


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    tables.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(sqlite_engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def add_customer(session: Session, role: str = "customer") -> Customer:
    customer = Customer(
        email=f"{uuid.uuid4().hex}@shop.example", name="C", password_hash="x", role=role
    )
    session.add(customer)
    session.commit()
    return customer


def add_product(
    session: Session, *, price: int = 1000, on_hand: int | None = 10, active: bool = True
) -> Product:
    """A product, with a stock row holding `on_hand` (None: no stock row, as the catalog
    leaves a new product until its first adjustment)."""
    product = Product(
        id=uuid.uuid4(),
        sku=f"T-{uuid.uuid4().hex[:8].upper()}",
        name="Test product",
        description="",
        price_amount=price,
        price_currency="EUR",
        active=active,
    )
    session.add(product)
    if on_hand is not None:
        session.flush()
        session.add(StockItem(product_id=product.id, on_hand=on_hand, reserved=0))
    session.commit()
    return product


def new_claim(session: Session, customer_id: uuid.UUID) -> idempotency.Claim:
    return idempotency.claim(session, customer_id, uuid.uuid4().hex, uuid.uuid4().hex)


ADDRESS = {"name": "A", "line1": "1 Road", "postal_code": "1", "city": "X", "country": "DE"}


def card(number: str = "4242424242424242") -> CardDetails:
    return CardDetails(number=number, expiry_month=12, expiry_year=2030, cvc="123")


def place_order(
    session: Session,
    provider: AbstractPaymentProvider,
    customer_id: uuid.UUID,
    number: str = "4242424242424242",
) -> OrderView:
    """Check out the customer's basket with a fresh idempotency key."""
    order = checkout.place_order(
        session,
        provider,
        customer_id=customer_id,
        claim=new_claim(session, customer_id),
        shipping_address=ADDRESS,
        card=card(number),
        currency="EUR",
    )
    return reread(session, order)


def cancel_order(
    session: Session, provider: AbstractPaymentProvider, customer_id: uuid.UUID, order_id: uuid.UUID
) -> OrderView:
    order = orders.cancel(
        session,
        provider,
        customer_id=customer_id,
        order_id=order_id,
        claim=new_claim(session, customer_id),
    )
    return reread(session, order)


def reread(session: Session, order: OrderView | Any) -> OrderView:
    """The order as it is now, as the facade answers it (with its payment)."""
    session.expire_all()
    return ordering.get_for_customer(session, order.customer_id, order.id)
