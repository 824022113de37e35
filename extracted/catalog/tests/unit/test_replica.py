"""Applying the owner's events as a replica: once each, only forward, never re-published."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from catalog_fakes import FakeStore

from catalog_service.bootstrap import Catalog
from catalog_service.domain import events
from catalog_service.domain.published import product_json
from catalog_service.entrypoints.messages import MalformedEvent, received
from catalog_service.service_layer.replica import Outcome
from catalog_service.service_layer.unit_of_work import Received

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TEA = events.CategorySnapshot(id=uuid.uuid4(), slug="tea", name="Tea")
PRODUCT_ID = uuid.uuid4()


def snapshot(name: str = "Teapot", *, minutes: int = 0, **fields: object) -> events.ProductSnapshot:
    base = events.ProductSnapshot(
        id=PRODUCT_ID,
        sku="TEA-1",
        name=name,
        description="",
        category=TEA,
        price=events.Price(1500, "EUR"),
        active=True,
        created_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def event(
    sequence: int, product: events.ProductSnapshot, kind: str = "product_changed"
) -> Received:
    return Received(uuid.uuid4(), kind, "product", product.id, sequence, product=product)


@pytest.fixture
def replica(store: FakeStore) -> FakeStore:
    store.owner = "monolith"
    return store


def test_the_owners_events_make_the_product_here_without_an_event_of_ours(
    catalog: Catalog, replica: FakeStore
) -> None:
    assert catalog.apply(event(1, snapshot(), "product_created")) is Outcome.APPLIED
    assert catalog.apply(event(2, snapshot("Kettle", minutes=1))) is Outcome.APPLIED

    assert catalog.get_product(PRODUCT_ID) == snapshot("Kettle", minutes=1)
    assert catalog.list_categories() == [TEA]
    assert replica.outbox == []
    assert replica.sequences[("product", PRODUCT_ID)] == 2


def test_a_late_event_with_an_older_state_changes_nothing(
    catalog: Catalog, replica: FakeStore
) -> None:
    catalog.apply(event(3, snapshot("Kettle", minutes=2)))
    assert catalog.apply(event(1, snapshot(), "product_created")) is Outcome.STALE
    assert catalog.get_product(PRODUCT_ID).name == "Kettle"
    assert replica.sequences[("product", PRODUCT_ID)] == 3


def test_a_redelivered_event_is_applied_once(catalog: Catalog, replica: FakeStore) -> None:
    first = event(1, snapshot(), "product_created")
    assert catalog.apply(first) is Outcome.APPLIED
    assert catalog.apply(first) is Outcome.DUPLICATE


def test_a_price_change_only_raises_the_sequence(catalog: Catalog, replica: FakeStore) -> None:
    price = Received(uuid.uuid4(), "price_changed", "product", PRODUCT_ID, 7)
    assert catalog.apply(price) is Outcome.NOT_STATE
    assert replica.sequences[("product", PRODUCT_ID)] == 7
    assert replica.products == {}


def test_the_owner_ignores_its_own_events_coming_back(catalog: Catalog, store: FakeStore) -> None:
    assert store.owner == "catalog"
    assert catalog.apply(event(1, snapshot(), "product_created")) is Outcome.OWN
    assert store.products == {} and store.inbox == set()


def test_once_it_owns_writes_a_former_replica_numbers_on_after_the_old_owner(
    catalog: Catalog, replica: FakeStore
) -> None:
    catalog.apply(event(4, snapshot(), "product_created"))
    replica.owner = "catalog"
    catalog.change_product(PRODUCT_ID, {"name": "Kettle"})
    assert [type(e) for e in replica.outbox] == [events.ProductChanged]
    # the sequence itself is the SQL adapter's business; the fake shows that it was raised
    assert replica.sequences[("product", PRODUCT_ID)] == 4


def test_a_message_reads_into_the_event_it_carries() -> None:
    product = snapshot()
    body = {
        "id": str(uuid.uuid4()),
        "type": "product_created",
        "schema_version": 1,
        "source": "catalog",
        "aggregate_type": "product",
        "aggregate_id": str(product.id),
        "sequence": 1,
        "occurred_at": "2026-12-05T09:00:00Z",
        "traceparent": None,
        "data": {"product": product_json(product)},
    }
    assert received(body).product == product
    for broken in [{**body, "source": "ordering"}, {**body, "data": {"product": {}}}, {}]:
        with pytest.raises(MalformedEvent):
            received(broken)
