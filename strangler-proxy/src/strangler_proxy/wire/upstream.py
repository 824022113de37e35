"""One connection to an upstream and the exchange it carries: an asyncio protocol over httptools
that sends a request and hands the response head, then body chunks, to the exchange.

The pool (pool.py) hands connections out and takes them back; a connection only knows it by the
small `Pool` protocol below."""

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import httptools

from strangler_proxy.messages import Headers, ResponseHead


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange before answering in full."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered  # True once any part of the response was received


class Pool(Protocol):
    """What a connection needs of its pool: a name for errors, and where it goes when done."""

    name: str

    def release(self, connection: "UpstreamConnection") -> None: ...

    def discard(self, connection: "UpstreamConnection") -> None: ...


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


class UpstreamConnection(asyncio.Protocol):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.headers: Headers = []
        self.idle_since = time.monotonic()
        self.closed = False
        self.exchanges = 0  # how many requests this connection has carried

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, data: bytes, exchange: Exchange) -> None:
        assert self.transport is not None
        self.exchange, exchange.connection, self.headers = exchange, self, []
        self.exchanges += 1  # the parser carries over: llhttp reads one response after another
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._abort(
                UpstreamError(f"malformed response from {self.pool.name}: {error}", answered=True)
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.exchange is None:
            return
        head = ResponseHead(
            status=self.parser.get_status_code(),
            reason=b"",
            headers=self.headers,
            keep_alive=self.parser.should_keep_alive(),
            chunked=any(n.lower() == b"transfer-encoding" for n, _ in self.headers),
        )
        self.exchange.got_head(head)
        if self.exchange.head_only:  # a HEAD response has no body whatever its headers say
            self._finish(reusable=False)

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.deliver(body)

    def on_message_complete(self) -> None:
        self._finish(reusable=self.parser.should_keep_alive())

    def _finish(self, *, reusable: bool) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is not None and not exchange.done.done():
            exchange.done.set_result(None)
        if reusable and not self.closed:
            self.pool.release(self)
        else:
            self.close()

    def _abort(self, error: UpstreamError) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            exchange.fail(error)
        self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        answered = self.exchange is not None and self.exchange.head.done()
        if self.exchange is not None:
            self._abort(UpstreamError(f"{self.pool.name} closed the connection", answered=answered))
        self.pool.discard(self)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()
        self.pool.discard(self)
