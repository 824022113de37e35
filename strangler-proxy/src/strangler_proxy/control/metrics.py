"""Prometheus metrics of the proxy, with labelled children cached off the hot path."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "strangler_request_duration_seconds",
            "From the request's arrival to the end of its response, by route and upstream.",
            ["route", "upstream"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.responses = Counter(
            "strangler_responses",
            "Responses sent to clients, by route, upstream and status code.",
            ["route", "upstream", "status"],
            registry=self.registry,
        )
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
        # The labelled children, cached: `labels()` costs more than the observation itself.
        self._latencies: dict[tuple[str, str], Histogram] = {}
        self._responses: dict[tuple[str, str, int], Counter] = {}

    def observe(self, route: str, upstream: str, status: int, seconds: float) -> None:
        histogram = self._latencies.get((route, upstream))
        if histogram is None:
            histogram = self._latencies[route, upstream] = self.latency.labels(route, upstream)
        histogram.observe(seconds)
        counter = self._responses.get((route, upstream, status))
        if counter is None:
            counter = self._responses[route, upstream, status] = self.responses.labels(
                route, upstream, str(status)
            )
        counter.inc()

    def shadow_result(self, route: str, result: str) -> None:
        self.shadow.labels(route, result).inc()

    def count_status(self) -> dict[str, dict[str, float]]:
        """Responses per route and status, for the admin page."""
        out: dict[str, dict[str, float]] = {}
        for metric in self.responses.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    route, status = sample.labels["route"], sample.labels["status"]
                    out.setdefault(route, {})[status] = (
                        out.get(route, {}).get(status, 0) + sample.value
                    )
        return out

    def exposition(self, breaker_states: dict[str, str]) -> bytes:
        for upstream, state in breaker_states.items():
            self.breaker_open.labels(upstream).set(0 if state == "closed" else 1)
        return generate_latest(self.registry)
