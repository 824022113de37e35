# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""catalog-events: the nameko service that applies the owner's catalog events here while
this side is a replica (ADR-0018). Run by `catalog-service events`, which patches eventlet
and sets psycopg's wait function before this module is imported: eventlet never shares a
process with uvicorn, and psycopg must yield to eventlet's hub (ADR-0017).

Every handler does the same: read the message, apply it through the use case, acknowledge.
A database error raises, so nameko requeues the message (`requeue_on_error`) and it is
applied later; a message that is not a catalog event of the contract is logged and dropped.
"""

from typing import Any

import structlog
from nameko.contextdata import ContextDataProvider
from nameko.events import event_handler
from nameko.extensions import DependencyProvider

from catalog_service.bootstrap import Catalog, bootstrap
from catalog_service.config import Settings
from catalog_service.entrypoints.messages import EVENT_TYPES, MalformedEvent, received
from catalog_service.tracing import span

SERVICE_NAME = "catalog_service"  # nameko's queues: evt-catalog-<type>--catalog_service.<handler>
log = structlog.get_logger("catalog_service.events")


class CatalogProvider(DependencyProvider):  # type: ignore[misc]
    """Hands every worker the service bootstrapped once per process."""

    def setup(self) -> None:
        self.catalog = bootstrap(Settings())  # type: ignore[call-arg]  # CATALOG_* variables

    def stop(self) -> None:
        self.catalog.close()

    def get_dependency(self, worker_ctx: Any) -> Catalog:
        return self.catalog


class Traceparent(ContextDataProvider):  # type: ignore[misc]
    """The `traceparent` the relay put in the message's headers (nameko.traceparent)."""

    context_key = "traceparent"


def _apply(service: Any, body: dict[str, Any]) -> None:
    carrier = {"traceparent": service.traceparent} if service.traceparent else None
    with span("apply catalog event", carrier):
        try:
            event = received(body)
        except MalformedEvent as error:
            log.error("event_dropped", reason=str(error), event_id=str(body.get("id")))
            return
        outcome = service.catalog.apply(event)
        log.info(
            "event_applied",
            event_type=event.type,
            event_id=str(event.id),
            aggregate_id=str(event.aggregate_id),
            sequence=event.sequence,
            outcome=outcome.value,
        )


def _handler(event_type: str) -> Any:
    def handle(self: Any, body: dict[str, Any]) -> None:
        _apply(self, body)

    handle.__name__ = f"on_{event_type}"
    return event_handler("catalog", event_type, requeue_on_error=True)(handle)


def queues() -> list[Any]:
    """The queues nameko declares for CatalogEvents' handlers, with the same arguments."""
    from kombu.entity import Exchange, Queue

    exchange = Exchange("catalog.events", type="topic", durable=True)
    return [
        Queue(
            f"evt-catalog-{event_type}--{SERVICE_NAME}.on_{event_type}",
            exchange=exchange,
            routing_key=event_type,
            durable=True,
            auto_delete=False,
            exclusive=False,
        )
        for event_type in EVENT_TYPES
    ]


CatalogEvents: type = type(
    "CatalogEvents",
    (),
    {
        "name": SERVICE_NAME,
        "__doc__": "Applies the owner's catalog events to this side's copy.",
        "catalog": CatalogProvider(),
        "traceparent": Traceparent(),
        **{f"on_{event_type}": _handler(event_type) for event_type in EVENT_TYPES},
    },
)
