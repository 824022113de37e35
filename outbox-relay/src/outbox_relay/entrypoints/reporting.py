"""What became of each batch and of each lease renewal, counted in the metrics and logged
where it matters."""

import structlog

from outbox_relay.domain.model import Backlog
from outbox_relay.entrypoints.metrics import RelayMetrics
from outbox_relay.service_layer.batches import BatchReport
from outbox_relay.service_layer.leases import LeaseChange
from outbox_relay.service_layer.ports import BrokerUnavailable

log = structlog.get_logger("outbox_relay")


def report(reports: list[BatchReport], metrics: RelayMetrics) -> None:
    """Record the batches; a broker failure among them raises BrokerUnavailable (back off)."""
    for batch in reports:
        metrics.record(batch)
        for event, reply in batch.returned:
            # Consumers must declare their queues before the events they need are written.
            log.warning("returned", event_id=event.event_id, exchange=event.exchange,
                        routing_key=event.event_type, reply=reply)  # fmt: skip
        for event, error in batch.refused:
            log.warning("refused", event_id=event.event_id, exchange=event.exchange, error=error)
        for event, error in batch.dead:
            log.error("dead-lettered", event_id=event.event_id, outbox_id=event.id, error=error)
    failure = next((batch.failure for batch in reports if batch.failure), None)
    if failure is not None:
        raise BrokerUnavailable(failure)


def report_leases(change: LeaseChange, slots: int, backlog: Backlog, metrics: RelayMetrics) -> None:
    if change.gained or change.lost:
        log.info("leases", gained=change.gained, lost=change.lost, live_relays=change.live_relays)
    metrics.slots.set(slots)
    metrics.live_relays.set(change.live_relays)
    metrics.observe_backlog(backlog)
