# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""An outbox event as nameko 2.14's event dispatcher would have sent it."""

from typing import Any

from kombu.entity import Exchange

from outbox_relay.domain.model import OutboxEvent

PERSISTENT = 2


def event_exchange(name: str) -> Exchange:
    """Declared as nameko 2.14's get_event_exchange does, so that the two never conflict."""
    return Exchange(name, type="topic", durable=True, delivery_mode=PERSISTENT)


def publish_event(channel: Any, event: OutboxEvent) -> None:
    """Topic exchange `<source>.events`, routing key the event type, the body verbatim; the
    trace context both as W3C `traceparent` and as `nameko.traceparent`, which nameko copies
    into its worker context and so passes on to the calls and events the handler makes.

    Through the kombu channel's prepare_message and basic_publish: Producer.publish adds
    per-message work this needs none of (serializers, compression, declarations, retries),
    a sixth of the publishing CPU measured here."""
    headers = (
        {"traceparent": event.traceparent, "nameko.traceparent": event.traceparent}
        if event.traceparent
        else {}
    )
    properties = {
        "delivery_mode": PERSISTENT,
        "message_id": event.event_id,
        "type": event.event_type,
        "timestamp": int(event.occurred_at.timestamp()),  # AMQP: whole seconds since the epoch
    }
    message = channel.prepare_message(
        event.body, 0, "application/json", "utf-8", headers, properties
    )
    # mandatory: a message no queue is bound for comes back (basic.return), not lost unseen.
    channel.basic_publish(
        message, exchange=event.exchange, routing_key=event.event_type, mandatory=True
    )
