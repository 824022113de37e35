"""The monolith's side of its contract with the catalog service (pact-python 4, offline): what
its catalog replica needs of the service's events, and what it needs of the service's product
route (ADR-0019). The pact is committed (contract/pacts/); the service's tests verify it
(extracted/catalog/tests/pacts/). `make pacts` writes it anew after a change here.

Only what the monolith reads is in it: a consumer pins down its own needs, not the provider's
whole message.
"""

import os

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # offline: no usage report

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match
from sqlalchemy.orm import Session

from shop_monolith.catalog import facade as catalog
from shop_monolith.catalog.gateways import CatalogServiceClient
from shop_monolith.catalog.models import Ownership

PACTS = Path(__file__).resolve().parents[3] / "contract" / "pacts"
CONSUMER, PROVIDER = "shop-monolith", "catalog-service"
PACT_FILE = PACTS / f"{CONSUMER}-{PROVIDER}.json"
TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"
PRODUCT_ID = "5a1c3f4e-8b2d-4c6a-9e7f-0a1b2c3d4e5f"
CATEGORY_ID = "7d2e4f60-1a3b-4c5d-8e9f-a0b1c2d3e4f5"


def category() -> dict[str, Any]:
    return {
        "id": match.uuid(CATEGORY_ID),
        "slug": match.str("teapots"),
        "name": match.str("Teapots"),
    }


def product(*, with_category: bool = True, active: bool = True) -> dict[str, Any]:
    return {
        "id": match.uuid(PRODUCT_ID),
        "sku": match.str("TEA-1"),
        "name": match.str("Teapot"),
        "description": match.str("Porcelain"),
        "category": category() if with_category else None,
        "price": {"amount": match.int(1500), "currency": match.regex("EUR", regex=r"^[A-Z]{3}$")},
        "active": active,
        "created_at": match.regex("2026-12-05T09:00:00.000001Z", regex=TIME),
        "updated_at": match.regex("2026-12-05T09:00:00.000001Z", regex=TIME),
    }


def envelope(kind: str, aggregate: str, aggregate_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the replica reads of an event's envelope (contract/events/envelope.v1.json)."""
    return {
        "id": match.uuid("0b7e3f0a-1c2d-4e5f-8a9b-c0d1e2f3a4b5"),
        "type": kind,
        "source": "catalog",
        "aggregate_type": aggregate,
        "aggregate_id": match.uuid(aggregate_id),
        "sequence": match.int(1, min=1),
        "data": data,
    }


# description -> the message's body, as the replica reads it
MESSAGES = {
    "a product_created event": envelope(
        "product_created", "product", PRODUCT_ID, {"product": product()}
    ),
    "a product_changed event of a product without a category": envelope(
        "product_changed", "product", PRODUCT_ID, {"product": product(with_category=False)}
    ),
    "a product_deactivated event": envelope(
        "product_deactivated", "product", PRODUCT_ID, {"product": product(active=False)}
    ),
    "a price_changed event": envelope("price_changed", "product", PRODUCT_ID, {}),
    "a category_created event": envelope("category_created", "category", CATEGORY_ID, category()),
}


@dataclass(frozen=True)
class Pacts:
    """One pact file, built by two pacts of the same pair: the messages' and the HTTP
    calls' (a mock server refuses to serve a pact that also holds messages)."""

    messages: Pact
    http: Pact


@pytest.fixture(scope="module")
def pacts() -> Iterator[Pacts]:
    yield Pacts(Pact(CONSUMER, PROVIDER), Pact(CONSUMER, PROVIDER))


def as_replica(session: Session) -> Session:
    session.add(Ownership(singleton=1, owner="catalog", changed_at=datetime.now(UTC)))
    session.commit()
    return session


def test_the_replica_applies_every_catalog_event_as_the_service_publishes_it(
    pacts: Pacts, session: Session
) -> None:
    pact = pacts.messages
    for description, body in MESSAGES.items():
        pact.upon_receiving(description, "Async").with_body(body, content_type="application/json")
    replica = as_replica(session)
    applied = []

    def handle(body: str | bytes, metadata: dict[str, Any]) -> None:
        message = json.loads(body)
        message["id"] = str(uuid.uuid4())  # each example shares its id: a new one each
        applied.append(catalog.apply_event(replica, message))

    pact.verify(handle, "Async")

    assert len(applied) == len(MESSAGES)
    assert set(applied) <= {
        catalog.Outcome.APPLIED,
        catalog.Outcome.NOT_STATE,
        catalog.Outcome.STALE,
    }
    assert catalog.find_product(replica, uuid.UUID(PRODUCT_ID), include_inactive=True)


def test_the_monolith_asks_the_service_for_a_products_current_state(pacts: Pacts) -> None:
    pact = pacts.http
    (
        pact.upon_receiving("a request for an active product")
        .given("an active product", id=PRODUCT_ID)
        .with_request("GET", f"/api/v1/products/{PRODUCT_ID}")
        .will_respond_with(200)
        .with_body(product(), content_type="application/json")
    )
    (
        pact.upon_receiving("a request for a product that is not active or does not exist")
        .given("no active product with this id", id=PRODUCT_ID.replace("5a", "6b", 1))
        .with_request("GET", f"/api/v1/products/{PRODUCT_ID.replace('5a', '6b', 1)}")
        .will_respond_with(404)
    )
    with pact.serve() as mock:
        client = CatalogServiceClient(str(mock.url))
        found = client.fetch_product(uuid.UUID(PRODUCT_ID))
        missing = client.fetch_product(uuid.UUID(PRODUCT_ID.replace("5a", "6b", 1)))
        client.close()

    assert found.reachable and found.product is not None and found.product["name"] == "Teapot"
    assert missing.reachable and missing.product is None


def test_the_committed_pact_is_the_one_these_tests_write(pacts: Pacts, tmp_path: Path) -> None:
    """A changed expectation must come with its pact: `make pacts` writes it."""
    pacts.messages.write_file(tmp_path, overwrite=True)
    pacts.http.write_file(tmp_path)  # merged into the same file
    written = json.loads((tmp_path / PACT_FILE.name).read_text())
    if os.environ.get("SHOP_WRITE_PACTS") == "1":
        PACTS.mkdir(parents=True, exist_ok=True)
        PACT_FILE.write_text(json.dumps(written, indent=2, sort_keys=True) + "\n")
    committed = json.loads(PACT_FILE.read_text())
    assert without_metadata(written) == without_metadata(committed), (
        f"{PACT_FILE} is not what the consumer's tests expect: run make pacts"
    )


def without_metadata(pact: dict[str, Any]) -> dict[str, Any]:
    """The pact minus what names the tool's versions."""
    return {key: value for key, value in pact.items() if key != "metadata"}
