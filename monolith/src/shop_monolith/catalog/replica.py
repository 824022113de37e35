"""The catalog as a replica of the catalog service's (step 3, ADR-0018, ADR-0019).

While the service owns catalog writes, the monolith's catalog tables follow the service's
events: each applied once (the inbox keeps its id) and only forward (a product's version is
the sequence of the event that gave it its state). Applying records no event of the
monolith's: a replica never re-publishes what it receives. While the monolith owns writes,
the events on `catalog.events` are its own, coming back: they are ignored.
"""

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from shop_monolith.catalog.models import MONOLITH
from shop_monolith.catalog.repositories import CatalogRepository, ReplicaRepository
from shop_monolith.shared.orm import utcnow

EVENT_TYPES = (
    "category_created",
    "product_created",
    "product_changed",
    "product_deactivated",
    "price_changed",
)


class Outcome(Enum):
    APPLIED = "applied"
    STALE = "stale"  # a later state is here already
    DUPLICATE = "duplicate"  # applied before
    OWN = "own"  # the monolith owns writes: the event is its own
    NOT_STATE = "not-state"  # carries no state of its own (price_changed)


class MalformedEvent(ValueError):
    """Not a catalog event of the contract (contract/events/catalog/): never applied."""


def is_replica(session: Session) -> bool:
    return CatalogRepository(session).owner() != MONOLITH


def apply(session: Session, body: dict[str, Any]) -> Outcome:
    """Apply one message of `catalog.events` (its JSON body) and commit."""
    event = _read(body)
    if not is_replica(session):
        session.rollback()
        return Outcome.OWN
    replica = ReplicaRepository(session)
    if not replica.add_to_inbox(event["inbox"]):
        session.rollback()
        return Outcome.DUPLICATE
    outcome = Outcome.NOT_STATE
    if event["category"] is not None:
        replica.put_category(event["category"])
        outcome = Outcome.APPLIED
    if event["product"] is not None:
        product = event["product"]
        if product["category"] is not None:
            replica.put_category(product["category"])
        kept = replica.put_product(_product_row(product, version=event["sequence"]))
        outcome = Outcome.APPLIED if kept else Outcome.STALE
    # Last, as the outbox's writer does: rows in one order (catalog rows, then sequences), so
    # that two writers never deadlock.
    replica.raise_sequence(event["aggregate_type"], event["aggregate_id"], event["sequence"])
    session.commit()
    return outcome


def keep_fetched(session: Session, product: dict[str, Any]) -> None:
    """Keep a product as the service just showed it, ahead of its events, in a savepoint of
    the caller's transaction: over an older state only (its `updated_at` moves forward at every
    change), with the version left as it was (0 for a new row), so that every event of a later
    state still applies. MalformedEvent if the service's answer is not a product."""
    try:
        row = _product(product)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise MalformedEvent(f"not a product of the contract: {error!r}") from error
    replica = ReplicaRepository(session)
    with session.begin_nested():
        if row["category"] is not None:
            replica.put_category(row["category"])
        replica.put_fetched(_product_row(row, version=0))


def _read(body: dict[str, Any]) -> dict[str, Any]:
    try:
        kind, data = body["type"], body["data"]
        if body["source"] != "catalog" or kind not in EVENT_TYPES:
            raise MalformedEvent(f"not a catalog event: {body.get('source')}.{kind}")
        event_id, sequence = uuid.UUID(body["id"]), int(body["sequence"])
        aggregate_id = str(uuid.UUID(body["aggregate_id"]))
        return {
            "aggregate_type": str(body["aggregate_type"]),
            "aggregate_id": aggregate_id,
            "sequence": sequence,
            "inbox": {
                "event_id": event_id,
                "event_type": kind,
                "aggregate_id": aggregate_id,
                "sequence": sequence,
                "received_at": utcnow(),
            },
            "category": _category_row(data) if kind == "category_created" else None,
            "product": _product(data["product"]) if "product" in data else None,
        }
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise MalformedEvent(f"malformed catalog event: {error!r}") from error


def _category_row(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": uuid.UUID(data["id"]), "slug": str(data["slug"]), "name": str(data["name"])}


def _product(data: dict[str, Any]) -> dict[str, Any]:
    """A product of the contract's JSON, checked and typed."""
    category = data["category"]
    return {
        "id": uuid.UUID(data["id"]),
        "sku": str(data["sku"]),
        "name": str(data["name"]),
        "description": str(data["description"]),
        "category": _category_row(category) if category is not None else None,
        "price_amount": int(data["price"]["amount"]),
        "price_currency": str(data["price"]["currency"]),
        "active": bool(data["active"]),
        "created_at": _time(data["created_at"]),
        "updated_at": _time(data["updated_at"]),
    }


def _product_row(product: dict[str, Any], *, version: int) -> dict[str, Any]:
    category = product["category"]
    row = {key: value for key, value in product.items() if key != "category"}
    return {**row, "category_id": category["id"] if category else None, "version": version}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
