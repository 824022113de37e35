"""One request/response exchange with an upstream, and how it can fail."""

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from strangler_proxy.messages import ResponseHead

if TYPE_CHECKING:
    from strangler_proxy.upstream import UpstreamConnection


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange before answering in full."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered  # True once any part of the response was received


class Exchange:
    """One request on one connection: the response head, then body chunks into a sink."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, head_only: bool, timeout: float) -> None:
        self.head: asyncio.Future[ResponseHead] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.head_only = head_only
        # A timer, not asyncio.wait_for: no extra task per request on the hot path.
        self._timer = loop.call_later(timeout, self._time_out)
        self._early: list[bytes] = []
        self._sink: Callable[[bytes], None] | None = None
        self.connection: UpstreamConnection | None = None
        self.resumer: asyncio.Future[None] | None = None  # waits for a slow client to drain

    def _time_out(self) -> None:
        if not self.head.done():
            self.head.set_exception(TimeoutError())
            if self.connection is not None:
                self.connection.close()  # its late answer must not reach the next request

    def got_head(self, head: ResponseHead) -> None:
        self._timer.cancel()
        if not self.head.done():
            self.head.set_result(head)

    def stream_to(self, sink: Callable[[bytes], None]) -> None:
        for chunk in self._early:
            sink(chunk)
        self._early.clear()
        self._sink = sink

    def deliver(self, chunk: bytes) -> None:
        if self._sink is None:
            self._early.append(chunk)
        else:
            self._sink(chunk)

    def fail(self, error: Exception) -> None:
        self._timer.cancel()
        for future in (self.head, self.done):
            if not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: the caller may only await one of them

    def pause(self) -> None:
        if self.connection is not None and self.connection.transport is not None:
            self.connection.transport.pause_reading()

    def resume(self) -> None:
        if self.connection is not None and self.connection.transport is not None:
            self.connection.transport.resume_reading()
