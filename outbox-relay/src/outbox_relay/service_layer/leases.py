"""This relay's slots: leased for a time, renewed before they expire, shared out fairly."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from outbox_relay.domain.slots import fair_share
from outbox_relay.service_layer.ports import AbstractOutboxStore

UNBALANCED_RETRY_SECONDS = 0.5  # soon after a relay joins or leaves, not a whole period


@dataclass(frozen=True)
class LeaseChange:
    gained: list[int]
    lost: list[int]
    live_relays: int


class LeaseKeeper:
    """Renews every ttl/3 (sooner while short of its share) and answers only unexpired slots.

    A lease's expiry is counted on the local monotonic clock from before the renewal was
    sent, so this relay stops using a slot no later than the database lets another take it.
    """

    def __init__(
        self,
        store: AbstractOutboxStore,
        relay_id: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.relay_id = relay_id
        self._ttl = ttl
        self._clock = clock
        self._slots: list[int] = []
        self._valid_until = 0.0
        self._next_renewal = 0.0

    def due(self) -> bool:
        return self._clock() >= self._next_renewal

    def seconds_to_renewal(self) -> float:
        return max(0.0, self._next_renewal - self._clock())

    def slots(self) -> list[int]:
        """The slots this relay may publish now; none once its leases may have expired."""
        return self._slots if self._clock() < self._valid_until else []

    def renew(self) -> LeaseChange:
        sent_at = self._clock()
        live = self._store.heartbeat(self.relay_id, self._ttl)
        held = sorted(self._store.renew_leases(self.relay_id, self._ttl))
        share = fair_share(self.relay_id, live)
        if len(held) > share:
            self._store.release_leases(self.relay_id, held[share:])
            held = held[:share]
        elif len(held) < share:
            held = sorted(
                held + self._store.claim_leases(self.relay_id, self._ttl, share - len(held))
            )
        before = set(self._slots) if sent_at < self._valid_until else set()
        self._slots = held
        self._valid_until = sent_at + self._ttl
        period = (
            self._ttl / 3 if len(held) == share else min(self._ttl / 3, UNBALANCED_RETRY_SECONDS)
        )
        self._next_renewal = sent_at + period
        return LeaseChange(
            gained=sorted(set(held) - before),
            lost=sorted(before - set(held)),
            live_relays=len(live),
        )

    def release_all(self) -> None:
        self._slots = []
        self._valid_until = 0.0
        self._store.leave(self.relay_id)
