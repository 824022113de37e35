"""A batch on its way: what the relay decided for it, and what became of it."""

from dataclasses import dataclass, field

from outbox_relay.domain.model import OutboxEvent, PublishOutcome, Settlement
from outbox_relay.service_layer.ports import Sent


@dataclass(frozen=True)
class RelayPolicy:
    batch_size: int = 1000
    max_body_bytes: int = 1024 * 1024
    max_attempts: int = 5  # refusals by the broker before an event is dead-lettered
    depth: int = 2  # batches awaiting confirms at once; 1 waits for each batch's confirms


@dataclass
class Batch:
    """Fetched rows, the poison among them set aside, the rest handed to the broker."""

    events: list[OutboxEvent]
    poison: dict[int, str]
    sent: Sent
    fetched_at: float


@dataclass(frozen=True)
class BatchReport:
    fetched: int = 0
    published: int = 0  # confirmed, returned ones included
    returned: list[tuple[OutboxEvent, str]] = field(default_factory=list)
    refused: list[tuple[OutboxEvent, str]] = field(default_factory=list)
    dead: list[tuple[OutboxEvent, str]] = field(default_factory=list)
    failure: str | None = None  # the broker connection failed part-way: reconnect first
    seconds: float = 0.0  # fetch to write-back
    confirm_seconds: float = 0.0  # first publish to last confirm

    @classmethod
    def of(
        cls, batch: Batch, outcome: PublishOutcome, settlement: Settlement, seconds: float
    ) -> "BatchReport":
        by_id = {event.id: event for event in batch.events}
        return cls(
            fetched=len(batch.events),
            published=len(outcome.confirmed) + len(outcome.returned),
            returned=[(by_id[i], reply) for i, reply in outcome.returned.items()],
            refused=[(by_id[i], f.error) for i, f in settlement.refused.items()],
            dead=[(by_id[i], f.error) for i, f in settlement.dead.items()],
            failure=outcome.failure,
            seconds=seconds,
            confirm_seconds=outcome.confirm_seconds,
        )
