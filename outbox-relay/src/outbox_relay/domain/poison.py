"""Poison: an event no broker could ever take as it is, so it is set aside at once."""

import json

from outbox_relay.domain.model import OutboxEvent


def poison_reason(event: OutboxEvent, max_body_bytes: int) -> str | None:
    """Why the event's body cannot be published, or None when it can."""
    if len(event.body) > max_body_bytes:
        return f"body of {len(event.body)} bytes is larger than the maximum {max_body_bytes}"
    try:
        text = event.body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"body is not valid UTF-8: {error}"
    try:
        json.loads(text)
    except ValueError as error:
        return f"body is not valid JSON: {error}"
    return None
