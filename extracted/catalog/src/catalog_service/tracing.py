"""W3C trace context (OpenTelemetry): the HTTP app and the event consumer open a span per
request or message, joining the caller's trace; the outbox stamps each event with it."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider

_tracer = TracerProvider().get_tracer("catalog_service")


@contextmanager
def span(name: str, carrier: Mapping[str, str] | None = None) -> Iterator[None]:
    parent = propagate.extract(carrier) if carrier is not None else context.Context()
    with _tracer.start_as_current_span(name, context=parent):
        yield


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")
