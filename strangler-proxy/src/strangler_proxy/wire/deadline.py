"""One timer per connection, whose deadline can move on every read without rescheduling.

Moving the deadline later only stores a number; the timer, when it fires early, waits again
for the current deadline. Only a deadline earlier than the pending timer makes a new one.
Clearing it stores a number too: a pending timer then ends when it fires, having nothing to
wait for, so a deadline set and cleared once per request costs no timer per request."""

import asyncio
import math
from collections.abc import Callable


class Deadline:
    def __init__(self, loop: asyncio.AbstractEventLoop, on_expiry: Callable[[], None]) -> None:
        self.loop, self.on_expiry = loop, on_expiry
        self.at = math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def set(self, seconds: float) -> None:
        """The deadline is now `seconds` from now (earlier or later than it was)."""
        self.at = at = self.loop.time() + seconds
        if at < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._timer_at = self.loop.call_at(at, self._fire), at

    def clear(self) -> None:
        """No deadline for now; cheaper than `cancel` when one is set again soon."""
        self.at = math.inf

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at, self.at = None, math.inf, math.inf

    def _fire(self) -> None:
        if self.at == math.inf:  # cleared since it was set
            self._timer, self._timer_at = None, math.inf
        elif self.loop.time() < self.at:  # moved on since it was set
            self._timer, self._timer_at = self.loop.call_at(self.at, self._fire), self.at
        else:
            self._timer, self._timer_at = None, math.inf
            self.on_expiry()
