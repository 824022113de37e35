"""Outbox events as the relay sees them, and what became of each one."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One unpublished outbox row: what the broker needs, and the body as stored."""

    id: int
    event_id: str  # the canonical UUID text, also the message id
    source: str
    event_type: str
    slot: int
    occurred_at: datetime
    traceparent: str | None
    body: bytes  # the row's text as UTF-8, or its raw bytes where they are not valid UTF-8
    attempts: int

    @property
    def exchange(self) -> str:
        """The exchange nameko's event handlers of `source` bind to."""
        return f"{self.source}.events"


class Failure(NamedTuple):
    """Why a row was not published, and its attempts counting this one."""

    error: str
    attempts: int


@dataclass(frozen=True)
class PublishOutcome:
    """What the broker made of a batch, each event in exactly one of the four."""

    confirmed: list[OutboxEvent]  # acked, routed to at least one queue
    returned: dict[int, str]  # acked but routed nowhere (basic.return): id -> reply
    refused: dict[int, str]  # nacked, or the channel closed on it: id -> error
    unconfirmed: list[OutboxEvent]  # no answer before the connection failed
    failure: str | None = None  # why the publisher stopped early: reconnect, then retry
    confirm_seconds: float = 0.0  # from the first publish to the last confirm


@dataclass(frozen=True)
class Settlement:
    """What to write back for one batch, in one transaction."""

    published: list[int] = field(default_factory=list)
    returned: dict[int, str] = field(default_factory=dict)  # published, with the reply kept
    refused: dict[int, Failure] = field(default_factory=dict)  # stays, attempts counted
    dead: dict[int, Failure] = field(default_factory=dict)  # moved to the dead letters

    def __bool__(self) -> bool:
        return bool(self.published or self.returned or self.refused or self.dead)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    event_id: str
    source: str
    event_type: str
    aggregate_id: str
    sequence: int
    attempts: int
    error: str
    dead_lettered_at: datetime


@dataclass(frozen=True)
class Backlog:
    """The whole outbox's unpublished rows (every relay's slots) and the dead letters."""

    unpublished: int
    oldest_occurred_at: datetime | None
    dead_letters: int
