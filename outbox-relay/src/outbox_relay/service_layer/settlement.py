"""What becomes of each event of a batch: poison set aside, the broker's answers written back."""

from collections.abc import Sequence

from outbox_relay.domain.model import Failure, OutboxEvent, PublishOutcome, Settlement
from outbox_relay.domain.poison import poison_reason


def split_poison(
    events: Sequence[OutboxEvent], max_body_bytes: int
) -> tuple[list[OutboxEvent], dict[int, str]]:
    """The events to publish, and the poison ones with why."""
    sendable, poison = [], {}
    for event in events:
        reason = poison_reason(event, max_body_bytes)
        if reason is None:
            sendable.append(event)
        else:
            poison[event.id] = reason
    return sendable, poison


def settlement_for(
    outcome: PublishOutcome,
    poison: dict[int, str],
    by_id: dict[int, OutboxEvent],
    max_attempts: int,
) -> Settlement:
    """Confirmed and returned rows published; refused ones counted, and dead-lettered once
    refused `max_attempts` times; unconfirmed ones left as they are, to go out again."""
    dead = {i: Failure(reason, by_id[i].attempts) for i, reason in poison.items()}
    refused = {}
    for i, error in outcome.refused.items():
        attempts = by_id[i].attempts + 1
        if attempts >= max_attempts:
            dead[i] = Failure(f"refused by the broker {attempts} times, last: {error}", attempts)
        else:
            refused[i] = Failure(error, attempts)
    return Settlement(
        published=[event.id for event in outcome.confirmed],
        returned=dict(outcome.returned),
        refused=refused,
        dead=dead,
    )
