"""A circuit breaker that opens on a failure rate over a minimum volume in a sliding window.

Only the upstream's own failures are counted (the caller decides what they are); a run of
answers a client can provoke, such as 500s, never opens it for everybody (ADR-0011)."""

import time
from collections.abc import Callable

from strangler_proxy.settings import BreakerPolicy

CLOSED, OPENED, HALF_OPENED = "closed", "opened", "half-opened"
BUCKETS = 10  # the window is kept as ten counters of a tenth of it each
REFUSED, ADMITTED, PROBE = 0, 1, 2  # what `admit` answers


class Breaker:
    def __init__(
        self, policy: BreakerPolicy, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy, self.clock = policy, clock
        self.width = policy.breaker_window_seconds / BUCKETS
        self.state = CLOSED
        self.opened_until = 0.0
        self.probing = False  # a probe request is under way (half-open lets one through)
        self._slots = [-1] * BUCKETS  # which tenth of time each counter holds
        self._calls = [0] * BUCKETS
        self._failures = [0] * BUCKETS

    def admit(self) -> int:
        """REFUSED while open; PROBE for the one request that tests a half-open circuit."""
        if self.state == CLOSED:
            return ADMITTED
        if self.state == OPENED and self.clock() >= self.opened_until:
            self.state, self.probing = HALF_OPENED, False
        if self.state == HALF_OPENED and not self.probing:
            self.probing = True
            return PROBE
        return REFUSED

    def record(self, admitted: int, *, failed: bool) -> None:
        """The outcome of a request `admit` let through."""
        if admitted == PROBE:
            self.probing = False
            if failed:
                self._open()
            else:
                self._close()
            return
        if self.state != CLOSED:
            return  # let through before the circuit opened: its verdict is already given
        now = self.clock()
        slot = int(now / self.width)
        index = slot % BUCKETS
        if self._slots[index] != slot:
            self._slots[index], self._calls[index], self._failures[index] = slot, 0, 0
        self._calls[index] += 1
        if failed:
            self._failures[index] += 1
            self._trip_if_failing(slot)

    def release(self, admitted: int) -> None:
        """The request ended with no verdict on the upstream (cancelled, or a proxy bug)."""
        if admitted == PROBE:
            self.probing = False

    def counts(self) -> tuple[int, int]:
        """Requests and failures in the window now."""
        return self._window(int(self.clock() / self.width))

    def _window(self, slot: int) -> tuple[int, int]:
        live = [i for i in range(BUCKETS) if slot - BUCKETS < self._slots[i] <= slot]
        return sum(self._calls[i] for i in live), sum(self._failures[i] for i in live)

    def _trip_if_failing(self, slot: int) -> None:
        calls, failures = self._window(slot)
        policy = self.policy
        if calls >= policy.breaker_min_requests and failures >= policy.breaker_failure_rate * calls:
            self._open()

    def _open(self) -> None:
        self.state = OPENED
        self.opened_until = self.clock() + self.policy.breaker_open_seconds

    def _close(self) -> None:
        self.state = CLOSED
        self._slots = [-1] * BUCKETS  # a fresh window: the failures before are not held against it
