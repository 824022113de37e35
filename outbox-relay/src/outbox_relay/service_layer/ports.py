"""The two ports the relay works through; adapters implement them, tests fake them."""

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from outbox_relay.domain.model import (
    Backlog,
    DeadLetter,
    OutboxEvent,
    PublishOutcome,
    Settlement,
)


class StoreUnavailable(Exception):
    """The database could not be reached or dropped the connection: retry later."""


class BrokerUnavailable(Exception):
    """The broker could not be reached or dropped the connection: retry later."""


class AbstractOutboxStore(abc.ABC):
    """Used by one thread at a time, not always the same one (see BatchPipeline)."""

    @abc.abstractmethod
    def prepare(self) -> list[str]:
        """Check the tables (SystemExit naming whatever is missing), add the 64 lease rows;
        answer warnings worth logging."""

    @abc.abstractmethod
    def fetch_batch(self, slots: Sequence[int], limit: int) -> list[OutboxEvent]:
        """Up to `limit` unpublished events of these slots: of each slot, the first ones in
        id order, the slots taken in the order given."""

    @abc.abstractmethod
    def settle(self, settlement: Settlement) -> None: ...

    @abc.abstractmethod
    def wait_for_rows(self, timeout: float) -> bool:
        """Block until new rows may have been committed, or the timeout; True if woken."""

    @abc.abstractmethod
    def heartbeat(self, relay_id: str, ttl: float) -> list[str]:
        """Record that this relay lives; forget expired relays; answer the live relays' ids."""

    @abc.abstractmethod
    def renew_leases(self, relay_id: str, ttl: float) -> list[int]:
        """Extend this relay's unexpired leases; answer the slots it still holds."""

    @abc.abstractmethod
    def claim_leases(self, relay_id: str, ttl: float, count: int) -> list[int]:
        """Take up to `count` slots that are free or whose lease expired."""

    @abc.abstractmethod
    def release_leases(self, relay_id: str, slots: Sequence[int]) -> None: ...

    @abc.abstractmethod
    def leave(self, relay_id: str) -> None:
        """Release every lease of this relay and forget its heartbeat."""

    @abc.abstractmethod
    def prune(self, slots: Sequence[int], older_than_seconds: float) -> int:
        """Delete these slots' rows published longer ago than that; answer how many."""

    @abc.abstractmethod
    def backlog(self) -> Backlog: ...

    @abc.abstractmethod
    def dead_letters(self, limit: int) -> list[DeadLetter]: ...

    @abc.abstractmethod
    def requeue(self, ids: Sequence[int] | None) -> int:
        """Move these dead letters (None: all) back into the outbox as new rows."""

    @abc.abstractmethod
    def close(self) -> None: ...


@dataclass(frozen=True)
class Sent:
    """One batch handed to the broker and not yet confirmed: what wait() takes."""

    events: Sequence[OutboxEvent]
    started: float  # perf_counter() when the first message went out
    token: object = None  # the publisher's own bookkeeping


class AbstractPublisher(abc.ABC):
    @abc.abstractmethod
    def connect(self, timeout: float) -> None:
        """Be ready to publish, retrying with backoff up to `timeout`; else BrokerUnavailable."""

    @abc.abstractmethod
    def send(self, events: Sequence[OutboxEvent]) -> Sent:
        """Publish in order, mandatory, without waiting: a later batch may go out meanwhile."""

    @abc.abstractmethod
    def wait(self, sent: Sent) -> PublishOutcome:
        """Wait until the broker has confirmed every message of that batch (or failed)."""

    def publish(self, events: Sequence[OutboxEvent]) -> PublishOutcome:
        return self.wait(self.send(events))

    @abc.abstractmethod
    def close(self) -> None: ...
