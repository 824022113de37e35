# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""`shop-monolith catalog-replica`: the consumer that keeps the monolith's catalog a replica
of the catalog service's, from the events on `catalog.events` (ADR-0019).

One durable queue, bound to the catalog's event types; a message is acknowledged once it is
applied (or found to be a duplicate, stale, the monolith's own, or not a catalog event at all:
logged and dropped). A database error leaves it unacknowledged: it is requeued and tried
again after a pause. A lost broker connection is re-established with backoff.
"""

import json
import time
from collections.abc import Callable
from typing import Any

import structlog
from kombu.connection import Connection
from kombu.entity import Exchange, Queue, binding
from kombu.message import Message
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shop_monolith.catalog import facade as catalog
from shop_monolith.shared import tracing

QUEUE = "monolith.catalog-replica"
EXCHANGE = Exchange("catalog.events", type="topic", durable=True)
RETRY_PAUSE_SECONDS = 1.0
log = structlog.get_logger(__name__)


def queue() -> Queue:
    bindings = [binding(EXCHANGE, routing_key=event_type) for event_type in catalog.EVENT_TYPES]
    return Queue(QUEUE, bindings=bindings, durable=True)


def declare(broker_url: str) -> None:
    """Declare the queue (and the exchange), so that nothing published meanwhile is lost."""
    with Connection(broker_url, connect_timeout=10) as connection:
        queue()(connection.channel()).declare()


def run(broker_url: str, sessions: Callable[[], Session], stopping: Callable[[], bool]) -> None:
    """Consume until `stopping()` answers True (checked at least once a second)."""
    with Connection(broker_url, heartbeat=10) as connection:
        while not stopping():
            connection.ensure_connection(
                max_retries=None, interval_start=0.5, interval_step=1, interval_max=5
            )
            try:
                _consume(connection, sessions, stopping)
            except connection.recoverable_connection_errors as error:
                log.warning("catalog_replica_connection_lost", error=repr(error))


def _consume(
    connection: Connection, sessions: Callable[[], Session], stopping: Callable[[], bool]
) -> None:
    def handle(body: Any, message: Message) -> None:
        _handle(sessions, body, message)

    with connection.Consumer([queue()], callbacks=[handle], accept=["json"], prefetch_count=100):
        log.info("catalog_replica_consuming", queue=QUEUE)
        while not stopping():
            try:
                connection.drain_events(timeout=1)
            except TimeoutError:
                connection.heartbeat_check()


def _handle(sessions: Callable[[], Session], body: Any, message: Message) -> None:
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    headers = message.headers or {}
    carrier = (
        {"traceparent": headers["nameko.traceparent"]} if "nameko.traceparent" in headers else None
    )
    with tracing.span("catalog-replica", carrier), sessions() as session:
        try:
            outcome = catalog.apply_event(session, body)
        except catalog.MalformedEvent as error:
            log.error("catalog_event_dropped", reason=str(error))
            message.ack()
            return
        except SQLAlchemyError as error:
            log.error("catalog_event_failed", error=repr(error), event_id=body.get("id"))
            message.requeue()
            time.sleep(RETRY_PAUSE_SECONDS)
            return
    message.ack()
    log.info(
        "catalog_event_applied",
        event_type=body.get("type"),
        event_id=body.get("id"),
        aggregate_id=body.get("aggregate_id"),
        sequence=body.get("sequence"),
        outcome=outcome.value,
    )
