"""The monolith's catalog as a replica of the catalog service's (ADR-0018, ADR-0019): the
service's events applied once each and only forward, writes refused while the service owns
them, products the replica lacks read through from the service."""

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_monolith.catalog import facade as catalog
from shop_monolith.catalog import services
from shop_monolith.catalog.models import Ownership, Product
from shop_monolith.shared.errors import WritesElsewhere
from shop_monolith.shared.outbox import outbox, outbox_sequences

T0 = "2026-12-05T09:00:00Z"
TEA = {"id": str(uuid.uuid4()), "slug": f"tea-{uuid.uuid4().hex[:6]}", "name": "Tea"}


def own(session: Session, owner: str) -> None:
    row = session.get(Ownership, 1)
    if row is None:
        session.add(Ownership(singleton=1, owner=owner, changed_at=datetime.now(UTC)))
    else:
        row.owner = owner
    session.commit()


def product_json(product_id: str, name: str = "Teapot", **fields: Any) -> dict[str, Any]:
    return {
        "id": product_id,
        "sku": f"REP-{product_id[:6].upper()}",
        "name": name,
        "description": "",
        "category": TEA,
        "price": {"amount": 1500, "currency": "EUR"},
        "active": True,
        "created_at": T0,
        "updated_at": T0,
        **fields,
    }


def message(kind: str, sequence: int, data: dict[str, Any], aggregate_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "schema_version": 1,
        "source": "catalog",
        "aggregate_type": "product" if kind != "category_created" else "category",
        "aggregate_id": aggregate_id,
        "sequence": sequence,
        "occurred_at": T0,
        "traceparent": None,
        "data": data,
    }


def changed(product_id: str, sequence: int, name: str, **fields: Any) -> dict[str, Any]:
    data = {"product": product_json(product_id, name, **fields), "changed": ["name"]}
    return message("product_changed", sequence, data, product_id)


@pytest.fixture
def replica(session: Session) -> Session:
    own(session, "catalog")
    return session


def test_the_services_events_make_and_change_the_product_here(replica: Session) -> None:
    product_id = str(uuid.uuid4())
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    assert catalog.apply_event(replica, created) is catalog.Outcome.APPLIED
    assert catalog.apply_event(replica, changed(product_id, 2, "Kettle")) is catalog.Outcome.APPLIED

    view = catalog.get_product(replica, uuid.UUID(product_id))
    assert view.name == "Kettle" and view.category is not None and view.category.slug == TEA["slug"]
    assert replica.scalars(select(outbox.c.id)).all() == []  # a replica publishes nothing
    last = replica.scalar(
        select(outbox_sequences.c.last_sequence).where(
            outbox_sequences.c.aggregate_id == product_id
        )
    )
    assert last == 2


def test_late_and_repeated_events_change_nothing(replica: Session) -> None:
    product_id = str(uuid.uuid4())
    latest = changed(product_id, 3, "Latest")
    assert catalog.apply_event(replica, latest) is catalog.Outcome.APPLIED
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    assert catalog.apply_event(replica, created) is catalog.Outcome.STALE
    assert catalog.apply_event(replica, latest) is catalog.Outcome.DUPLICATE
    assert catalog.get_product(replica, uuid.UUID(product_id)).name == "Latest"


def test_while_the_monolith_owns_writes_the_events_are_its_own(session: Session) -> None:
    product_id = str(uuid.uuid4())
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    assert catalog.apply_event(session, created) is catalog.Outcome.OWN
    assert catalog.find_product(session, uuid.UUID(product_id)) is None


@pytest.mark.parametrize(
    "body",
    [
        {"type": "product_created", "source": "ordering"},
        {"type": "product_created", "source": "catalog", "data": {"product": {}}},
        {},
    ],
)
def test_a_message_that_is_no_catalog_event_is_refused(replica: Session, body: Any) -> None:
    with pytest.raises(catalog.MalformedEvent):
        catalog.apply_event(replica, body)


def test_writes_are_refused_while_the_service_owns_them(replica: Session) -> None:
    with pytest.raises(WritesElsewhere) as refused:
        services.create_category(replica, slug="refused", name="Refused")
    assert refused.value.code == "writes-elsewhere" and refused.value.owner == "catalog service"


def test_after_a_rollback_the_monolith_numbers_on_after_the_service(replica: Session) -> None:
    product_id = str(uuid.uuid4())
    catalog.apply_event(
        replica, message("product_created", 1, {"product": product_json(product_id)}, product_id)
    )
    catalog.apply_event(replica, changed(product_id, 6, "Six"))
    own(replica, "monolith")
    services.update_product(replica, uuid.UUID(product_id), {"name": "Seven"}, shop_currency="EUR")
    sequences = replica.scalars(
        select(outbox.c.sequence).where(outbox.c.aggregate_id == product_id)
    ).all()
    assert sequences == [7]


class _Service(BaseHTTPRequestHandler):
    products: dict[str, dict[str, Any]] = {}

    def do_GET(self) -> None:
        product = self.products.get(self.path.rsplit("/", 1)[-1])
        if product is not None and not product.get("active", True):
            product = None  # the public route: active products only
        body = json.dumps(product or {"status": 404}).encode()
        self.send_response(200 if product else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def service() -> Iterator[dict[str, dict[str, Any]]]:
    """A stand-in for catalog-http's product route; the catalog reads through to it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    catalog.read_through(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield _Service.products
    finally:
        catalog.read_through(None)
        server.shutdown()
        server.server_close()
        _Service.products.clear()


def test_a_product_the_replica_lacks_is_read_through_and_kept(
    replica: Session, service: dict[str, dict[str, Any]]
) -> None:
    product_id = str(uuid.uuid4())
    service[product_id] = product_json(product_id, "Fresh")

    view = catalog.find_product(replica, uuid.UUID(product_id))
    assert view is not None and view.name == "Fresh"
    assert set(catalog.products_by_id(replica, [uuid.UUID(product_id), uuid.uuid4()])) == {
        uuid.UUID(product_id)
    }
    kept = replica.get(Product, uuid.UUID(product_id))
    assert kept is not None and kept.version == 0
    # Its first event replaces what the read-through kept.
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    assert catalog.apply_event(replica, created) is catalog.Outcome.APPLIED
    assert catalog.get_product(replica, uuid.UUID(product_id)).name == "Teapot"


def test_no_read_through_while_the_monolith_owns_writes(
    session: Session, service: dict[str, dict[str, Any]]
) -> None:
    product_id = str(uuid.uuid4())
    service[product_id] = product_json(product_id)
    assert catalog.find_product(session, uuid.UUID(product_id)) is None


def test_an_answer_that_is_no_product_is_not_kept(
    replica: Session, service: dict[str, dict[str, Any]]
) -> None:
    product_id = str(uuid.uuid4())
    service[product_id] = {"id": product_id, "name": "half a product"}
    assert catalog.find_product(replica, uuid.UUID(product_id)) is None


def test_while_the_service_answers_its_current_state_decides(
    replica: Session, service: dict[str, dict[str, Any]]
) -> None:
    product_id = str(uuid.uuid4())
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    catalog.apply_event(replica, created)
    # Changed at the service; its event has not arrived yet.
    later = "2026-12-05T09:05:00Z"
    service[product_id] = product_json(product_id, "Repriced", updated_at=later)
    service[product_id]["price"] = {"amount": 1700, "currency": "EUR"}
    view = catalog.find_product(replica, uuid.UUID(product_id))
    assert view is not None and (view.name, view.price_amount) == ("Repriced", 1700)
    # Deactivated at the service: no longer offered, whatever the replica still says.
    service[product_id]["active"] = False
    assert catalog.find_product(replica, uuid.UUID(product_id)) is None
    inactive = catalog.find_product(replica, uuid.UUID(product_id), include_inactive=True)
    assert inactive is not None and not inactive.active
    # The events, when they come, still apply over what was fetched.
    assert catalog.apply_event(replica, changed(product_id, 2, "Evented", updated_at=later))
    assert replica.get(Product, uuid.UUID(product_id)).version == 2  # type: ignore[union-attr]


def test_when_the_service_does_not_answer_the_replica_does(replica: Session) -> None:
    product_id = str(uuid.uuid4())
    created = message("product_created", 1, {"product": product_json(product_id)}, product_id)
    catalog.apply_event(replica, created)
    catalog.read_through("http://127.0.0.1:9")  # nothing listens there
    try:
        view = catalog.find_product(replica, uuid.UUID(product_id))
        assert view is not None and view.name == "Teapot"
    finally:
        catalog.read_through(None)
