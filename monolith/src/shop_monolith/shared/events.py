"""Domain events as the rest of the world learns of them (ADR-0015).

A context builds a `DomainEvent` from its own models and records it through the outbox in the
same transaction as the change; the relay publishes it later. The data carry what a consumer
needs to act without calling back (event-carried state), in the shapes of contract/events/.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shop_monolith.shared.formats import timestamp
from shop_monolith.shared.orm import utcnow

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class DomainEvent:
    source: str  # the context that publishes it: the exchange is "<source>.events"
    type: str  # routing key, e.g. "product_created"
    aggregate_type: str  # the sequence counts per aggregate type and id
    aggregate_id: uuid.UUID
    data: JsonObject
    schema_version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)

    def body(self, *, sequence: int, traceparent: str | None) -> str:
        """The message as published: an envelope around the data, as compact JSON."""
        envelope = {
            "id": str(self.id),
            "type": self.type,
            "schema_version": self.schema_version,
            "source": self.source,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "sequence": sequence,
            "occurred_at": timestamp(self.occurred_at),
            "traceparent": traceparent,
            "data": self.data,
        }
        return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
