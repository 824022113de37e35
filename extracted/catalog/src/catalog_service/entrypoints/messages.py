"""The owner's event messages (contract/events/), read into what the replica applies."""

import uuid
from typing import Any

from catalog_service.domain.published import category_from_json, product_from_json
from catalog_service.service_layer.unit_of_work import Received

# The catalog's events, as the monolith (step 2) and this service publish them.
EVENT_TYPES = (
    "category_created",
    "product_created",
    "product_changed",
    "product_deactivated",
    "price_changed",
)


class MalformedEvent(ValueError):
    """A message that is not a catalog event of the contract: set aside, never applied."""


def received(body: dict[str, Any]) -> Received:
    try:
        kind, data = body["type"], body["data"]
        if body["source"] != "catalog" or kind not in EVENT_TYPES:
            raise MalformedEvent(f"not a catalog event: {body.get('source')}.{kind}")
        return Received(
            id=uuid.UUID(body["id"]),
            type=kind,
            aggregate_type=str(body["aggregate_type"]),
            aggregate_id=uuid.UUID(body["aggregate_id"]),
            sequence=int(body["sequence"]),
            product=product_from_json(data["product"]) if "product" in data else None,
            category=category_from_json(data) if kind == "category_created" else None,
        )
    except (KeyError, ValueError, TypeError) as error:
        raise MalformedEvent(f"malformed catalog event: {error!r}") from error
