"""Each change records its domain events in the outbox, in its own transaction (ADR-0015)."""

import json
import uuid
from typing import Any

import pytest
from event_schemas import published_types, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop_monolith.basket import services as basket
from shop_monolith.catalog import facade as catalog
from shop_monolith.customers import facade as customers
from shop_monolith.inventory import facade as inventory
from shop_monolith.ordering import facade as ordering
from shop_monolith.shared import tracing
from shop_monolith.shared.errors import Conflict
from shop_monolith.shared.outbox import SLOTS, outbox

from ..conftest import cancel_order, place_order
from .fakes import DECLINE, FakePaymentProvider


class Outbox:
    """Reads what the outbox holds, from a mark on."""

    def __init__(self, session: Session) -> None:
        self.session, self.mark = session, 0

    def new(self) -> list[dict[str, Any]]:
        """The events recorded since the last call, validated against contract/events."""
        self.session.rollback()  # see what other transactions committed
        rows = self.session.execute(
            select(outbox).where(outbox.c.id > self.mark).order_by(outbox.c.id)
        ).all()
        if rows:
            self.mark = rows[-1].id
        events = []
        for row in rows:
            envelope = validate(row.body)
            assert (row.source, row.event_type, row.sequence) == (
                envelope["source"],
                envelope["type"],
                envelope["sequence"],
            )
            assert row.aggregate_id == envelope["aggregate_id"]
            assert uuid.UUID(envelope["id"]) == row.event_id
            assert 0 <= row.slot < SLOTS and row.published_at is None
            events.append(envelope)
        return events


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


@pytest.fixture
def box(session: Session) -> Outbox:
    return Outbox(session)


def new_product(session: Session, *, price: int = 1000, on_hand: int = 5) -> catalog.ProductView:
    product = catalog.create_product(
        session,
        sku=f"E-{uuid.uuid4().hex[:8]}",
        name="Event lamp",
        description="",
        category_id=None,
        price_amount=price,
        price_currency="EUR",
        shop_currency="EUR",
    )
    inventory.adjust_stock(session, product.id, delta=on_hand, reason="delivery")
    return product


def test_catalog_changes_publish_the_whole_product_and_narrower_events(
    session: Session, box: Outbox
) -> None:
    category = catalog.create_category(session, slug="lamps", name="Lamps")
    product = new_product(session)
    update = {"name": "Lamp", "price_amount": 900}
    catalog.update_product(session, product.id, update, shop_currency="EUR")
    catalog.update_product(session, product.id, {"category_id": category.id}, shop_currency="EUR")
    catalog.update_product(session, product.id, {"name": "Lamp"}, shop_currency="EUR")  # no change
    catalog.deactivate_product(session, product.id, shop_currency="EUR")

    events = box.new()
    assert kinds(events) == [
        "category_created",
        "product_created",
        "stock_changed",
        "product_changed",
        "price_changed",
        "product_changed",
        "product_changed",
        "product_deactivated",
    ]
    products = [e for e in events if e["aggregate_type"] == "product"]
    assert [e["sequence"] for e in products] == [1, 2, 3, 4, 5, 6]
    assert events[3]["data"]["changed"] == ["name", "price_amount"]
    assert events[4]["data"]["old_price"] == {"amount": 1000, "currency": "EUR"}
    assert events[4]["data"]["new_price"] == {"amount": 900, "currency": "EUR"}
    assert events[5]["data"]["product"]["category"] == {
        "id": str(category.id),
        "slug": "lamps",
        "name": "Lamps",
    }
    last = events[-1]["data"]["product"]
    assert (last["active"], last["name"], last["price"]["amount"]) == (False, "Lamp", 900)
    stock = events[2]["data"]
    assert (stock["on_hand"], stock["available"], stock["cause"]["kind"]) == (5, 5, "ADJUSTMENT")


def test_a_refused_change_records_nothing(session: Session, box: Outbox) -> None:
    product = new_product(session)
    box.new()
    with pytest.raises(Conflict):
        catalog.create_product(
            session,
            sku=product.sku,
            name="Same SKU",
            description="",
            category_id=None,
            price_amount=1,
            price_currency="EUR",
            shop_currency="EUR",
        )
    assert box.new() == []
    with pytest.raises(Conflict):
        inventory.adjust_stock(session, product.id, delta=-50, reason="too many")
    assert box.new() == []


def test_a_checkout_publishes_its_order_stock_and_payment_events(
    session: Session, box: Outbox
) -> None:
    customer = customers.register(session, email="e@shop.example", password="pw-123456", name="E")
    product = new_product(session, price=250, on_hand=5)
    box.new()
    basket.set_quantity(session, customer.id, product.id, 2, currency="EUR")
    order = place_order(session, FakePaymentProvider(), customer.id)

    events = box.new()
    assert kinds(events) == [
        "stock_changed",  # reserved
        "order_placed",
        "payment_captured",
        "stock_changed",  # sold
        "order_confirmed",
    ]
    assert [e["data"]["cause"]["kind"] for e in events if e["type"] == "stock_changed"] == [
        "RESERVATION",
        "SALE",
    ]
    placed, confirmed = events[1]["data"]["order"], events[4]["data"]["order"]
    assert (placed["status"], confirmed["status"]) == ("PENDING", "CONFIRMED")
    assert placed["lines"][0]["quantity"] == 2 and placed["total"]["amount"] == 500
    assert [events[1]["sequence"], events[4]["sequence"]] == [1, 2]
    assert events[2]["data"]["payment"]["order_id"] == str(order.id)
    sold = events[3]["data"]
    assert (sold["on_hand"], sold["reserved"], sold["cause"]["order_id"]) == (3, 0, str(order.id))

    cancel_order(session, FakePaymentProvider(), customer.id, order.id)
    assert kinds(box.new()) == ["stock_changed", "order_cancelled"]  # refund: fake knows none


def test_refunds_shipping_and_rejections_publish_their_events(
    session: Session, box: Outbox
) -> None:
    provider = FakePaymentProvider()
    customer = customers.register(session, email="f@shop.example", password="pw-123456", name="F")
    product = new_product(session, on_hand=3)
    box.new()
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    refunded = place_order(session, provider, customer.id)
    cancel_order(session, provider, customer.id, refunded.id)
    assert kinds(box.new())[-3:] == ["stock_changed", "order_cancelled", "payment_refunded"]

    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    shipped = place_order(session, provider, customer.id)
    ordering.ship(session, shipped.id)
    assert kinds(box.new())[-1] == "order_shipped"

    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    place_order(session, provider, customer.id, DECLINE)
    assert kinds(box.new()) == ["stock_changed", "order_placed", "stock_changed", "order_rejected"]

    basket.set_quantity(session, customer.id, product.id, 99, currency="EUR")
    rejected = place_order(session, provider, customer.id)
    events = box.new()
    assert kinds(events) == ["order_placed", "order_rejected"]  # nothing reserved
    assert events[0]["data"]["order"]["status"] == "REJECTED" == rejected.status
    assert [e["sequence"] for e in events] == [1, 2]


def test_an_event_carries_the_traceparent_of_the_work_that_caused_it(
    session: Session, box: Outbox
) -> None:
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with tracing.span("test request", {"traceparent": caller}) as trace_id:
        new_product(session)
    new_product(session)
    traced, untraced = box.new(), box.new()
    assert len(traced) == 4  # both products' product_created and stock_changed
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    for event in traced[:2]:
        version, trace, span, flags = event["traceparent"].split("-")
        assert (version, trace, flags) == ("00", trace_id, "01")
        assert span != "00f067aa0ba902b7"  # the request's own span, a child of the caller's
    assert untraced == []
    assert [event["traceparent"] for event in traced[2:]] == [None, None]


def test_every_event_the_contract_describes_is_published_by_some_use_case() -> None:
    """The schemas and the events.py modules name the same events (no dead schema)."""
    from shop_monolith.catalog import events as catalog_events
    from shop_monolith.customers import events as customer_events
    from shop_monolith.inventory import events as inventory_events
    from shop_monolith.ordering import events as order_events
    from shop_monolith.payments import events as payment_events

    modules = [catalog_events, customer_events, inventory_events, order_events, payment_events]
    contract = {event_type for _source, event_type in published_types()}
    builders = {name for module in modules for name in vars(module) if name in contract}
    builders |= set(order_events.BY_STATUS.values())
    assert builders == contract


def test_sequences_count_per_aggregate(session: Session) -> None:
    first, second = new_product(session), new_product(session)
    catalog.update_product(session, first.id, {"name": "Again"}, shop_currency="EUR")
    rows = session.execute(
        select(outbox.c.aggregate_id, func.max(outbox.c.sequence))
        .where(outbox.c.source == "catalog")
        .group_by(outbox.c.aggregate_id)
    ).all()
    assert dict(rows) == {str(first.id): 2, str(second.id): 1}
    assert (
        json.loads(
            session.scalars(select(outbox.c.body).order_by(outbox.c.id.desc())).first() or "{}"
        )["data"]["product"]["name"]
        == "Again"
    )


def test_events_of_a_rolled_back_savepoint_or_transaction_are_never_written(
    session: Session, box: Outbox
) -> None:
    from shop_monolith.catalog import events as catalog_events
    from shop_monolith.catalog.models import Product
    from shop_monolith.shared import outbox as writer

    product = session.get(Product, new_product(session).id)
    assert product is not None
    box.new()
    savepoint = session.begin_nested()
    writer.record(session, catalog_events.product_changed(product, ["name"]))
    savepoint.rollback()
    writer.record(session, catalog_events.product_changed(product, ["description"]))
    session.commit()
    [kept] = box.new()
    assert kept["data"]["changed"] == ["description"] and kept["sequence"] == 2

    writer.record(session, catalog_events.product_changed(product, ["active"]))
    session.rollback()
    session.commit()
    assert box.new() == []
