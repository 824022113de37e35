"""The metrics as Prometheus reads them: counters kept on the request path, families built at
scrape time, in the exposition format prometheus-client's own histogram and counter use."""

from prometheus_client.parser import text_string_to_metric_families

from strangler_proxy.control.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition({"app": "closed", "old": "opened"}).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_latencies_are_a_cumulative_histogram_by_route_and_upstream() -> None:
    metrics = Metrics()
    for seconds in (0.0004, 0.0005, 0.003, 0.2, 30.0):
        metrics.observe("all", "app", 200, seconds)
    metrics.observe("other", "app", 200, 0.001)
    got = samples(metrics)

    def bucket(le: str, route: str = "all") -> float:
        key = (("le", le), ("route", route), ("upstream", "app"))
        return got["strangler_request_duration_seconds_bucket", key]

    assert bucket("0.0005") == 2  # a bucket counts values up to and including its bound
    assert bucket("0.001") == 2 and bucket("0.005") == 3 and bucket("0.25") == 4
    assert bucket("10.0") == 4 and bucket("+Inf") == 5
    assert bucket("0.001", route="other") == 1
    labels = (("route", "all"), ("upstream", "app"))
    assert got["strangler_request_duration_seconds_count", labels] == 5
    assert abs(got["strangler_request_duration_seconds_sum", labels] - 30.2039) < 1e-9


def test_responses_count_by_status_and_feed_the_admin_page() -> None:
    metrics = Metrics()
    for status in (200, 200, 404):
        metrics.observe("all", "app", status, 0.01)
    metrics.observe("all", "old", 200, 0.01)
    got = samples(metrics)
    key = (("route", "all"), ("status", "200"), ("upstream", "app"))
    assert got["strangler_responses_total", key] == 2
    assert got["strangler_breaker_open", (("upstream", "old"),)] == 1
    assert metrics.count_status() == {"all": {"200": 3, "404": 1}}
