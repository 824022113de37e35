"""The relay's Prometheus metrics, each relay in its own registry."""

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from outbox_relay.domain.model import Backlog
from outbox_relay.service_layer.batches import BatchReport

_BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_SIZE_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


class RelayMetrics:
    """Backlog and lag describe the whole outbox, so every relay reports the same: take
    their max, not their sum. The counters are this relay's own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.published = Counter(
            "outbox_relay_published",
            "Events confirmed by the broker (returned ones too)",
            registry=r,
        )
        self.returned = Counter(
            "outbox_relay_returned", "Events the broker returned: no queue was bound", registry=r
        )
        self.refused = Counter(
            "outbox_relay_refused",
            "Publishes the broker nacked or closed the channel on",
            registry=r,
        )
        self.dead_lettered = Counter(
            "outbox_relay_dead_lettered", "Events moved to the dead letters", registry=r
        )
        self.errors = Counter(
            "outbox_relay_errors", "Database or broker failures", ["dependency"], registry=r
        )
        self.pruned = Counter("outbox_relay_pruned", "Published rows pruned", registry=r)
        self.batch_seconds = Histogram(
            "outbox_relay_batch_seconds",
            "Fetch to write-back of a batch",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.confirm_seconds = Histogram(
            "outbox_relay_confirm_seconds",
            "First publish to last confirm of a batch",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.batch_events = Histogram(
            "outbox_relay_batch_events", "Events per batch", buckets=_SIZE_BUCKETS, registry=r
        )
        self.backlog = Gauge("outbox_relay_backlog_events", "Unpublished outbox rows", registry=r)
        self.dead_letters = Gauge(
            "outbox_relay_dead_letters", "Rows in the dead letters", registry=r
        )
        self.slots = Gauge("outbox_relay_owned_slots", "Slots this relay holds", registry=r)
        self.live_relays = Gauge(
            "outbox_relay_live_relays", "Relays with a live heartbeat", registry=r
        )
        self.lag = Gauge(
            "outbox_relay_lag_seconds",
            "Age of the oldest unpublished row (occurred_at)",
            registry=r,
        )
        self._oldest: float | None = None
        self.lag.set_function(self._lag)

    def record(self, report: BatchReport) -> None:
        if not report.fetched:
            return
        self.published.inc(report.published)
        self.returned.inc(len(report.returned))
        self.refused.inc(len(report.refused))
        self.dead_lettered.inc(len(report.dead))
        self.batch_events.observe(report.fetched)
        self.batch_seconds.observe(report.seconds)
        if report.confirm_seconds:
            self.confirm_seconds.observe(report.confirm_seconds)

    def observe_backlog(self, backlog: Backlog) -> None:
        self.backlog.set(backlog.unpublished)
        self.dead_letters.set(backlog.dead_letters)
        oldest: datetime | None = backlog.oldest_occurred_at
        self._oldest = None if oldest is None else oldest.timestamp()

    def _lag(self) -> float:
        # Read at scrape time: a stuck relay's lag keeps growing between refreshes.
        return 0.0 if self._oldest is None else max(0.0, time.time() - self._oldest)
