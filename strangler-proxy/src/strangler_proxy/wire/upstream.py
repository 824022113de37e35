"""One connection to an upstream and the exchange it carries: an asyncio protocol over httptools
that sends a request and hands the response head, then body chunks, to the exchange.

The pool (pool.py) hands connections out and takes them back; a connection only knows it by the
small `Pool` protocol below."""

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import httptools

from strangler_proxy.messages import Headers, ResponseHead, lowered
from strangler_proxy.wire.deadline import Deadline


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
    """One request on one connection: the response head, then body chunks into a sink.

    It references its connection, never the other way round once it is done: an exchange and
    its sink (a closure over the request's state) form no reference cycle that outlives the
    request, so the request path leaves nothing for the garbage collector (ADR-0008)."""

    __slots__ = ("_early", "_sink", "connection", "done", "head", "head_only", "resumer")

    def __init__(self, loop: asyncio.AbstractEventLoop, *, head_only: bool) -> None:
        self.head: asyncio.Future[ResponseHead] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.head_only = head_only
        self._early: list[bytes] = []
        self._sink: Callable[[bytes], None] | None = None
        self.connection: UpstreamConnection | None = None
        self.resumer: asyncio.Future[None] | None = None  # waits for a slow client to drain

    def got_head(self, head: ResponseHead) -> None:
        if not self.head.done():
            self.head.set_result(head)

    def stream_to(self, sink: Callable[[bytes], None]) -> None:
        for chunk in self._early:
            sink(chunk)
        self._early.clear()
        if not self.done.done():  # the whole answer often came with its head: nothing to wait for
            self._sink = sink

    def deliver(self, chunk: bytes) -> None:
        if self._sink is None:
            self._early.append(chunk)
        else:
            self._sink(chunk)

    def finish(self) -> None:
        self._sink = None  # the sink closes over this exchange: drop it, no cycle is left
        if not self.done.done():
            self.done.set_result(None)

    def fail(self, error: Exception) -> None:
        self._sink = None
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
        self.loop: asyncio.AbstractEventLoop | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.headers: Headers = []
        self.idle_since = time.monotonic()
        self.closed = False
        self.exchanges = 0  # how many requests this connection has carried
        self.deadline: Deadline | None = None  # for the response head of the exchange under way

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.loop = loop = asyncio.get_running_loop()
        # One timer per connection, not per request (deadline.py); the pool's timeout bounds the
        # wait for each response head.
        self.deadline = Deadline(loop, self._time_out)

    def send(self, data: bytes, *, head_only: bool, timeout: float) -> Exchange:
        """Send a request; the exchange answers its response."""
        assert self.transport is not None and self.loop is not None and self.deadline is not None
        exchange = Exchange(self.loop, head_only=head_only)
        self.exchange, exchange.connection, self.headers = exchange, self, []
        self.exchanges += 1  # the parser carries over: llhttp reads one response after another
        self.deadline.set(timeout)
        self.transport.write(data)
        return exchange

    def _time_out(self) -> None:
        exchange = self.exchange
        if exchange is not None and not exchange.head.done():
            exchange.head.set_exception(TimeoutError())
            self.close()  # its late answer must not reach the next request

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
        if self.deadline is not None:
            self.deadline.clear()
        # The head keeps this list; trailers of a chunked answer go to a new one, never into it.
        head, self.headers = response_head(self.parser, self.headers), []
        if self.exchange is None:
            return
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
        if exchange is not None:
            exchange.finish()
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
        if self.deadline is not None:
            self.deadline.cancel()
        answered = self.exchange is not None and self.exchange.head.done()
        if self.exchange is not None:
            self._abort(UpstreamError(f"{self.pool.name} closed the connection", answered=answered))
        self.pool.discard(self)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()
        self.pool.discard(self)


def response_head(parser: httptools.HttpResponseParser, headers: Headers) -> ResponseHead:
    """The head as the request path needs it, from one pass over the header list."""
    names = lowered(headers)
    chunked = b"transfer-encoding" in names
    length = None
    if not chunked and b"content-length" in names:
        value = headers[names.index(b"content-length")][1]
        length = int(value) if value.isdigit() else None
    return ResponseHead(
        status=parser.get_status_code(),
        reason=b"",
        headers=headers,
        keep_alive=parser.should_keep_alive(),
        chunked=chunked,
        names=names,
        length=length,
    )
