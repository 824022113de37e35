"""The SQLAlchemy adapters on PostgreSQL: rows and outbox written together, in the contract's
shapes, numbered per aggregate across a change of owner."""

import json
import uuid
from datetime import UTC, datetime

import event_schemas
import pytest
from catalog_db import set_owner
from sqlalchemy import Engine, text

from catalog_service.bootstrap import Catalog
from catalog_service.domain import events
from catalog_service.domain.errors import SkuTaken, WritesElsewhere
from catalog_service.domain.model import Money
from catalog_service.service_layer.replica import Outcome
from catalog_service.service_layer.unit_of_work import ProductQuery, Received


def outbox(engine: Engine, aggregate_id: uuid.UUID) -> list[dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT event_type, sequence, body FROM catalog_service.outbox"
                " WHERE aggregate_id = :id ORDER BY id"
            ),
            {"id": str(aggregate_id)},
        )
        return [dict(row._mapping) for row in rows]


def new_product(catalog: Catalog, sku: str, **fields: object) -> events.ProductSnapshot:
    values: dict[str, object] = {
        "sku": sku,
        "name": "Teapot",
        "description": "",
        "category_id": None,
        "price": Money(1500, "EUR"),
        **fields,
    }
    return catalog.create_product(**values)  # type: ignore[arg-type]


def test_every_event_lands_in_the_outbox_as_the_contract_describes_it(
    catalog: Catalog, engine: Engine
) -> None:
    tea = catalog.create_category(slug=f"tea-{uuid.uuid4().hex[:6]}", name="Tea")
    product = new_product(catalog, "SQL-1", category_id=tea.id)
    catalog.change_product(product.id, {"price": Money(1700, "EUR"), "name": "Pot"})
    catalog.deactivate_product(product.id)

    rows = outbox(engine, product.id)
    assert [(row["event_type"], row["sequence"]) for row in rows] == [
        ("product_created", 1),
        ("product_changed", 2),
        ("price_changed", 3),
        ("product_changed", 4),
        ("product_deactivated", 5),
    ]
    for row in [*rows, *outbox(engine, tea.id)]:
        envelope = event_schemas.validate(str(row["body"]))
        assert envelope["source"] == "catalog"
    last = json.loads(str(rows[-1]["body"]))["data"]["product"]
    assert last["active"] is False and last["category"]["id"] == str(tea.id)


def test_a_refused_write_leaves_neither_row_nor_event(catalog: Catalog, engine: Engine) -> None:
    new_product(catalog, "SQL-2")
    with engine.connect() as connection:
        before = connection.scalar(text("SELECT count(*) FROM catalog_service.outbox"))
    with pytest.raises(SkuTaken):
        new_product(catalog, "SQL-2")
    set_owner(engine, "monolith")
    with pytest.raises(WritesElsewhere):
        new_product(catalog, "SQL-3")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM catalog_service.outbox")) == before
    found = catalog.search_products(ProductQuery(words=("SQL-3",), active=None))
    assert found.total == 0


def owners_product(product_id: uuid.UUID, sku: str, name: str) -> events.ProductSnapshot:
    """A product as the owner's events carry it."""
    return events.ProductSnapshot(
        id=product_id,
        sku=sku,
        name=name,
        description="",
        category=None,
        price=events.Price(900, "EUR"),
        active=True,
        created_at=datetime(2026, 12, 5, 9, tzinfo=UTC),
        updated_at=datetime(2026, 12, 5, 9, tzinfo=UTC),
    )


def test_after_taking_over_writes_the_service_numbers_on_after_the_monolith(
    catalog: Catalog, engine: Engine
) -> None:
    set_owner(engine, "monolith")
    product_id = uuid.uuid4()
    snapshot = owners_product(product_id, "SQL-4", "Kettle")
    for sequence, kind in [(1, "product_created"), (2, "product_changed")]:
        event = Received(uuid.uuid4(), kind, "product", product_id, sequence, product=snapshot)
        assert catalog.apply(event) is Outcome.APPLIED
    price = Received(uuid.uuid4(), "price_changed", "product", product_id, 3)
    assert catalog.apply(price) is Outcome.NOT_STATE
    assert outbox(engine, product_id) == []  # a replica publishes nothing

    set_owner(engine, "catalog")
    catalog.change_product(product_id, {"name": "Big kettle"})
    assert [row["sequence"] for row in outbox(engine, product_id)] == [4]
    with engine.connect() as connection:
        version = connection.scalar(
            text("SELECT version FROM catalog_service.products WHERE id = :id"),
            {"id": product_id},
        )
    assert version == 4


def test_a_stale_state_never_overwrites_a_later_one(catalog: Catalog, engine: Engine) -> None:
    set_owner(engine, "monolith")
    product_id = uuid.uuid4()
    base = owners_product(product_id, "SQL-5", "Late")
    newer = Received(uuid.uuid4(), "product_changed", "product", product_id, 5, product=base)
    older_state = events.ProductSnapshot(**{**base.__dict__, "name": "Early"})
    older = Received(uuid.uuid4(), "product_created", "product", product_id, 1, product=older_state)
    assert catalog.apply(newer) is Outcome.APPLIED
    assert catalog.apply(older) is Outcome.STALE
    assert catalog.apply(newer) is Outcome.DUPLICATE
    assert catalog.get_product(product_id).name == "Late"
