"""W3C trace context (OpenTelemetry): the HTTP app and the event consumer open a span per
request or message, joining the caller's trace; the outbox stamps each event with it."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider

_tracer = TracerProvider().get_tracer("catalog_service")


@contextmanager
def span(name: str, carrier: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run the block in a new span, a child of the trace `carrier`'s traceparent names (if
    any); yields the span's trace id as 32 hex digits."""
    parent = propagate.extract(carrier) if carrier is not None else context.Context()
    with _tracer.start_as_current_span(name, context=parent) as current:
        yield format(current.get_span_context().trace_id, "032x")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")
