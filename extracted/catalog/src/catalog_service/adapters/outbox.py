"""Domain events -> outbox rows: the envelope of contract/events/, numbered per aggregate.

The outbox relay (outbox-relay/) publishes the rows to the exchange `catalog.events`, exactly
as it publishes the monolith's: consumers cannot tell which side wrote an event.
"""

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from catalog_service.adapters.tables import SLOTS, outbox, outbox_sequences
from catalog_service.domain import events
from catalog_service.domain.published import (
    category_json,
    price_json,
    product_json,
    timestamp,
)
from catalog_service.tracing import current_traceparent

SOURCE = "catalog"  # the exchange is catalog.events, as at step 2
Counts = dict[tuple[str, str], int]  # (aggregate type, aggregate id) -> a number


@dataclass(frozen=True)
class Message:
    """An event as it is published: its type, aggregate and data (contract/events/)."""

    type: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    data: dict[str, Any]
    id: uuid.UUID
    occurred_at: datetime


def message(event: events.Event, *, now: datetime) -> Message:
    kind, aggregate_type, aggregate_id, data = _describe(event)
    return Message(kind, aggregate_type, aggregate_id, data, uuid.uuid4(), now)


def _describe(event: events.Event) -> tuple[str, str, uuid.UUID, dict[str, Any]]:
    match event:
        case events.CategoryCreated(category):
            return "category_created", "category", category.id, category_json(category)
        case events.ProductCreated(product):
            return "product_created", "product", product.id, {"product": product_json(product)}
        case events.ProductChanged(product, changed):
            data = {"product": product_json(product), "changed": list(changed)}
            return "product_changed", "product", product.id, data
        case events.ProductDeactivated(product):
            return "product_deactivated", "product", product.id, {"product": product_json(product)}
        case events.PriceChanged(product, old_price):
            data = {
                "product_id": str(product.id),
                "sku": product.sku,
                "old_price": price_json(old_price),
                "new_price": price_json(product.price),
                "changed_at": timestamp(product.updated_at),
            }
            return "price_changed", "product", product.id, data
    raise TypeError(f"not a catalog event: {event!r}")


def write(connection: Connection, messages: Sequence[Message]) -> dict[uuid.UUID, int]:
    """Insert the messages, numbered on from each aggregate's last sequence (its row locked
    until commit); answers each aggregate's new last sequence."""
    counts: Counts = {}
    for item in messages:
        key = (item.aggregate_type, str(item.aggregate_id))
        counts[key] = counts.get(key, 0) + 1
    last = advance(connection, counts)
    next_number = {key: last[key] - counts[key] + 1 for key in counts}
    traceparent = current_traceparent()
    rows = []
    for item in messages:
        key = (item.aggregate_type, str(item.aggregate_id))
        sequence, next_number[key] = next_number[key], next_number[key] + 1
        rows.append(
            {
                "event_id": item.id,
                "source": SOURCE,
                "event_type": item.type,
                "aggregate_id": str(item.aggregate_id),
                "sequence": sequence,
                "slot": zlib.crc32(str(item.aggregate_id).encode()) % SLOTS,
                "occurred_at": item.occurred_at,
                "traceparent": traceparent,
                "body": body(item, sequence=sequence, traceparent=traceparent),
            }
        )
    if rows:
        connection.execute(insert(outbox), rows)
    return {uuid.UUID(aggregate_id): number for (_, aggregate_id), number in last.items()}


def advance(
    connection: Connection, counts: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """Add each (aggregate type, id)'s count to its last sequence; answers the new last ones.
    Rows are locked in one order for every writer, so two writers never deadlock."""
    upsert = (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(
        outbox_sequences
    )
    statement = upsert.on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id"],
        set_={"last_sequence": outbox_sequences.c.last_sequence + upsert.excluded.last_sequence},
    ).returning(
        outbox_sequences.c.aggregate_type,
        outbox_sequences.c.aggregate_id,
        outbox_sequences.c.last_sequence,
    )
    result = {}
    for kind, key in sorted(counts):
        row = connection.execute(
            statement,
            {"aggregate_type": kind, "aggregate_id": key, "last_sequence": counts[(kind, key)]},
        ).one()
        result[(kind, key)] = int(row.last_sequence)
    return result


def body(item: Message, *, sequence: int, traceparent: str | None) -> str:
    envelope = {
        "id": str(item.id),
        "type": item.type,
        "schema_version": 1,
        "source": SOURCE,
        "aggregate_type": item.aggregate_type,
        "aggregate_id": str(item.aggregate_id),
        "sequence": sequence,
        "occurred_at": timestamp(item.occurred_at),
        "traceparent": traceparent,
        "data": item.data,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
