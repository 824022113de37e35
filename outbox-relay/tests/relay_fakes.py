"""In-memory doubles of the relay's two ports, for unit tests."""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from outbox_relay.domain.model import (
    Backlog,
    DeadLetter,
    OutboxEvent,
    PublishOutcome,
    Settlement,
)
from outbox_relay.service_layer.ports import AbstractOutboxStore, AbstractPublisher, Sent

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Row:
    event: OutboxEvent
    published: bool = False
    last_error: str | None = None


@dataclass
class FakeOutboxStore(AbstractOutboxStore):
    """Rows, leases and heartbeats in dicts; time from a FakeClock (as a database's now())."""

    clock: FakeClock = field(default_factory=FakeClock)
    rows: dict[int, Row] = field(default_factory=dict)
    dead: dict[int, tuple[OutboxEvent, str]] = field(default_factory=dict)
    relays: dict[str, float] = field(default_factory=dict)  # relay id -> expires at
    leases: dict[int, tuple[str, float]] = field(default_factory=dict)  # slot -> (relay, expiry)
    settlements: list[Settlement] = field(default_factory=list)
    last_id: int = 0  # ids are never reused, as with an identity column

    def add(self, event: OutboxEvent) -> None:
        self.rows[event.id] = Row(event)
        self.last_id = max(self.last_id, event.id)

    def prepare(self) -> list[str]:
        return []

    def fetch_batch(self, slots: Sequence[int], limit: int) -> list[OutboxEvent]:
        waiting = [r.event for _, r in sorted(self.rows.items()) if not r.published]
        batch: list[OutboxEvent] = []
        for slot in slots:
            batch += [e for e in waiting if e.slot == slot]
        return batch[:limit]

    def settle(self, settlement: Settlement) -> None:
        self.settlements.append(settlement)
        for i in settlement.published:
            self.rows[i].published = True
        for i, reply in settlement.returned.items():
            self.rows[i].published, self.rows[i].last_error = True, reply
        for i, failure in settlement.refused.items():
            row = self.rows[i]
            row.event, row.last_error = replace(row.event, attempts=failure.attempts), failure.error
        for i, failure in settlement.dead.items():
            event = replace(self.rows.pop(i).event, attempts=failure.attempts)
            self.dead[i] = (event, failure.error)

    def wait_for_rows(self, timeout: float) -> bool:
        time.sleep(min(timeout, 0.01))  # as a poll would, without spinning
        return False

    def heartbeat(self, relay_id: str, ttl: float) -> list[str]:
        now = self.clock()
        self.relays[relay_id] = now + ttl
        self.relays = {r: until for r, until in self.relays.items() if until >= now}
        return list(self.relays)

    def renew_leases(self, relay_id: str, ttl: float) -> list[int]:
        mine = [slot for slot, (owner, _) in self.leases.items() if owner == relay_id]
        for slot in mine:
            self.leases[slot] = (relay_id, self.clock() + ttl)
        return mine

    def claim_leases(self, relay_id: str, ttl: float, count: int) -> list[int]:
        free = [s for s in range(64) if s not in self.leases or self.leases[s][1] < self.clock()]
        for slot in free[:count]:
            self.leases[slot] = (relay_id, self.clock() + ttl)
        return free[:count]

    def release_leases(self, relay_id: str, slots: Sequence[int]) -> None:
        for slot in slots:
            if self.leases.get(slot, ("", 0.0))[0] == relay_id:
                del self.leases[slot]

    def leave(self, relay_id: str) -> None:
        self.release_leases(relay_id, list(self.leases))
        self.relays.pop(relay_id, None)

    def prune(self, slots: Sequence[int], older_than_seconds: float) -> int:
        gone = [i for i, r in self.rows.items() if r.published and r.event.slot in slots]
        for i in gone:
            del self.rows[i]
        return len(gone)

    def backlog(self) -> Backlog:
        waiting = [r.event for r in self.rows.values() if not r.published]
        oldest = min((e.occurred_at for e in waiting), default=None)
        return Backlog(len(waiting), oldest, len(self.dead))

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        return [
            DeadLetter(i, e.event_id, e.source, e.event_type, "", 0, e.attempts, error, EPOCH)
            for i, (e, error) in sorted(self.dead.items())[:limit]
        ]

    def requeue(self, ids: Sequence[int] | None) -> int:
        chosen = sorted(self.dead) if ids is None else [i for i in ids if i in self.dead]
        for i in chosen:
            event, _ = self.dead.pop(i)
            self.add(replace(event, id=self.last_id + 1, attempts=0))
        return len(chosen)

    def close(self) -> None:
        pass


@dataclass
class FakePublisher(AbstractPublisher):
    """Confirms everything unless told otherwise; remembers what reached the 'broker'."""

    delivered: list[OutboxEvent] = field(default_factory=list)
    unroutable_types: set[str] = field(default_factory=set)
    nacked_ids: set[int] = field(default_factory=set)
    fail_after: int | None = None  # the connection drops (once) after this many publishes
    connected: bool = True
    calls: list[tuple[str, list[int]]] = field(default_factory=list)  # ("send" | "wait", ids)

    def connect(self, timeout: float) -> None:
        self.connected = True

    def send(self, events: Sequence[OutboxEvent]) -> Sent:
        self.calls.append(("send", [event.id for event in events]))
        confirmed, returned, refused = [], {}, {}
        for n, event in enumerate(events):
            if not self.connected or (self.fail_after is not None and n >= self.fail_after):
                self.connected, self.fail_after, rest = False, None, list(events[n:])
                outcome = PublishOutcome(confirmed, returned, refused, rest, "connection lost")
                return Sent(events, 0.0, outcome)
            if event.id in self.nacked_ids:
                refused[event.id] = "nacked by the broker"
                continue
            self.delivered.append(event)
            if event.event_type in self.unroutable_types:
                returned[event.id] = "returned: 312 NO_ROUTE"
            else:
                confirmed.append(event)
        if self.fail_after is not None:
            self.fail_after -= len(events)
        return Sent(events, 0.0, PublishOutcome(confirmed, returned, refused, []))

    def wait(self, sent: Sent) -> PublishOutcome:
        self.calls.append(("wait", [event.id for event in sent.events]))
        assert isinstance(sent.token, PublishOutcome)
        return sent.token

    def close(self) -> None:
        self.connected = False


def event(
    id: int, slot: int = 0, body: bytes = b'{"n": 1}', event_type: str = "thing.happened"
) -> OutboxEvent:
    return OutboxEvent(
        id=id,
        event_id=f"00000000-0000-4000-8000-{id:012d}",
        source="things",
        event_type=event_type,
        slot=slot,
        occurred_at=EPOCH,
        traceparent=None,
        body=body,
        attempts=0,
    )
