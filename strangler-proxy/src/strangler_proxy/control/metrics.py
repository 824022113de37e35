"""Prometheus metrics of the proxy. The request path only adds to plain counters; a collector
turns them into metric families when Prometheus scrapes (ADR-0008: a prometheus-client
histogram and counter per request cost about 1.5 us, with their locks, on a path of about
60 us; everything here runs on the one event loop, so nothing needs a lock)."""

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BOUNDS = [floatToGoString(bound) for bound in BUCKETS] + ["+Inf"]  # type: ignore[no-untyped-call]


class Latency:
    """One histogram's state: a count per bucket (the last one past every bound), and the sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0


class RequestCounts(Collector):
    """Latencies by route and upstream, responses by route, upstream and status."""

    def __init__(self) -> None:
        self.latencies: dict[tuple[str, str], Latency] = {}
        self.responses: dict[tuple[str, str, int], int] = {}

    def collect(self) -> Iterator[Metric]:
        latency = HistogramMetricFamily(
            "strangler_request_duration_seconds",
            "From the request's arrival to the end of its response, by route and upstream.",
            labels=["route", "upstream"],
        )
        for labels, state in self.latencies.items():
            running, buckets = 0, []
            for bound, count in zip(_BOUNDS, state.counts, strict=True):
                running += count
                buckets.append((bound, float(running)))
            latency.add_metric(list(labels), buckets, state.total)
        yield latency
        responses = CounterMetricFamily(
            "strangler_responses",
            "Responses sent to clients, by route, upstream and status code.",
            labels=["route", "upstream", "status"],
        )
        for (route, upstream, status), count in self.responses.items():
            responses.add_metric([route, upstream, str(status)], count)
        yield responses


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestCounts()
        self.registry.register(self.requests)
        self.shadow = Counter(
            "strangler_shadow_comparisons",
            "Shadow comparisons by route and result (match, mismatch, failed, dropped).",
            ["route", "result"],
            registry=self.registry,
        )
        self.breaker_open = Gauge(
            "strangler_breaker_open",
            "1 while the upstream's circuit breaker is open (or half-open), else 0.",
            ["upstream"],
            registry=self.registry,
        )

    def observe(self, route: str, upstream: str, status: int, seconds: float) -> None:
        latencies, responses = self.requests.latencies, self.requests.responses
        latency = latencies.get((route, upstream))
        if latency is None:
            latency = latencies[route, upstream] = Latency()
        latency.counts[bisect_left(BUCKETS, seconds)] += 1  # a bucket counts values <= its bound
        latency.total += seconds
        key = (route, upstream, status)
        responses[key] = responses.get(key, 0) + 1

    def shadow_result(self, route: str, result: str) -> None:
        self.shadow.labels(route, result).inc()

    def count_status(self) -> dict[str, dict[str, float]]:
        """Responses per route and status, for the admin page."""
        out: dict[str, dict[str, float]] = {}
        for (route, _, status), count in self.requests.responses.items():
            by_status = out.setdefault(route, {})
            by_status[str(status)] = by_status.get(str(status), 0) + count
        return out

    def exposition(self, breaker_states: dict[str, str]) -> bytes:
        for upstream, state in breaker_states.items():
            self.breaker_open.labels(upstream).set(0 if state == "closed" else 1)
        return generate_latest(self.registry)
