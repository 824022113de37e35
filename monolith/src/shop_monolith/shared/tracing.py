"""W3C trace context: which trace the work in hand belongs to (OpenTelemetry).

The web layer starts a span per request, joining the caller's trace when its `traceparent`
header names one; the worker starts one per round. The outbox stamps each event with the
`traceparent` of the span that caused it, so the trace follows the event onto the broker.
No exporter is configured yet: spans give ids to the work and are not shipped anywhere.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider

_provider = TracerProvider()
_tracer = _provider.get_tracer("shop_monolith")


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
