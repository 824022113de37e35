"""The proxy's HTTP/1.1 server: an asyncio protocol over httptools, one request at a time.

It enforces the edge limits (settings.Limits) itself: sizes while the head is parsed
(head.HeadLimits), and time with one timer per connection whose deadline moves without
rescheduling on every read (lifetime.Lifetime). Requests are answered in the order they came,
pipelined or not, by the handler (the policy's request path)."""

import asyncio
from collections import deque
from collections.abc import Callable

import httptools
import structlog

from strangler_proxy.messages import Request
from strangler_proxy.settings import Limits
from strangler_proxy.wire.deadline import Deadline
from strangler_proxy.wire.head import BODY, HEAD, IDLE, SHORTEST_LINE, HeadLimits, refusal_for
from strangler_proxy.wire.lifetime import Lifetime
from strangler_proxy.wire.responder import Handler, Refused, Responder

log = structlog.get_logger(__name__)
MAX_PIPELINED = 8


class ServerProtocol(HeadLimits, Lifetime, asyncio.Protocol):
    def __init__(
        self,
        handler: Handler,
        *,
        limits: Limits,
        on_refused: Callable[[Responder, Refused], None],
        registry: set["ServerProtocol"] | None = None,
    ) -> None:
        self.handler, self.limits, self.on_refused = handler, limits, on_refused
        self.max_body = limits.max_body_bytes
        # A target this long may already make the request line too long (checked exactly then).
        self._long_target = limits.max_request_line_bytes - SHORTEST_LINE
        self.registry = registry  # the open connections: the cap, and a clean drain on shutdown
        self.closing = False
        self.parser = httptools.HttpRequestParser(self)
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.writable = asyncio.Event()
        self.writable.set()
        self.queue: deque[Request] = deque()
        self.busy = False
        self._serving: asyncio.Task[None] | None = None  # one task per connection (_serve)
        self._wakeup: asyncio.Future[None] | None = None  # what it waits on while idle
        self.client = ""
        self._url, self._headers, self._body = b"", [], bytearray()
        self._names: list[bytes] = []
        self._phase = IDLE
        self._heads = 0  # heads begun on this connection
        self._head_seen = 0  # bytes of the current head the parser has handed over
        self._head_read = 0  # bytes of reads that held nothing but the current head
        self._refusal: Refused | None = None  # waits for the answers to the requests before it
        self._lingering = False
        self._client_done = False  # the client half-closed: close once its answers are out
        self._lost = False
        self.deadline = Deadline(self.loop, self._time_is_up)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if peer else ""
        if self.registry is not None:
            if len(self.registry) >= self.limits.max_client_connections:
                self._answer(
                    Refused(
                        503,
                        f"The proxy has {len(self.registry)} open connections, as many as it "
                        "accepts; try again shortly.",
                        slug="overloaded",
                    )
                )
                return
            self.registry.add(self)
        self.deadline.set(self.limits.client_header_timeout_seconds)  # for the first request

    # --- reading ------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._lingering or self._refusal is not None:
            return  # answered already (or about to be): the rest is dropped unread
        heads, phase = self._heads, self._phase
        try:
            self.parser.feed_data(data)
        except (Refused, httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
            self._refuse(refusal_for(error))
            return
        if self._phase == HEAD:  # a head is still incomplete at the end of this read
            if heads == self._heads or (phase == IDLE and self._heads == heads + 1):
                self._head_read += len(data)  # all of it was head: the parser holds it
            if heads != self._heads and not self.busy:
                self.deadline.set(self.limits.client_header_timeout_seconds)
            if self._head_read > self.limits.max_header_bytes:
                self._refuse(self._head_too_large())
        elif self._phase == BODY and not self.busy:
            self.deadline.set(self.limits.client_body_timeout_seconds)  # from this read on

    def on_message_begin(self) -> None:
        self._url, self._headers, self._body, self._names = b"", [], bytearray(), []
        self._phase, self._head_seen, self._head_read = HEAD, 0, 0
        self._heads += 1

    # on_url, on_header, on_headers_complete and on_body: head.HeadLimits

    def on_message_complete(self) -> None:
        self._phase = IDLE
        self.queue.append(
            Request(
                method=self.parser.get_method(),
                target=self._url,
                headers=self._headers,
                client=self.client,
                keep_alive=self.parser.should_keep_alive(),
                body=bytes(self._body),
                http_version=self.parser.get_http_version(),
                names=self._names,
            )
        )
        if len(self.queue) > MAX_PIPELINED and self.transport is not None:
            self.transport.pause_reading()  # a client pipelining too far ahead waits in the socket
        if not self.busy:
            self.busy = True
            if self._wakeup is not None and not self._wakeup.done():
                self._wakeup.set_result(None)
            elif self._serving is None or self._serving.done():
                self._serving = self.loop.create_task(self._serve())

    def eof_received(self) -> bool | None:
        if self.busy and not self._lingering:
            self._client_done = True
            return True  # keep writing: the answers under way still go out
        self.deadline.set(self.limits.send_timeout_seconds)  # for the close (see _close)
        return None  # close

    # --- answering ----------------------------------------------------------------------------

    async def _serve(self) -> None:
        """Answer queued requests one at a time, in order (HTTP/1.1 pipelining keeps order).

        One task serves the connection for its whole life, waiting on a future while idle: a new
        task per request cost more than the future (ADR-0008)."""
        transport = self.transport
        assert transport is not None
        while True:
            try:
                while self.queue and not transport.is_closing():
                    request = self.queue.popleft()
                    responder = Responder(self, request)
                    try:
                        await self.handler(request, responder)
                    except Exception as error:  # a bug in the proxy: answer, log, and close
                        log.exception("proxy_error", error=repr(error))
                        if not responder.started:
                            self.on_refused(responder, Refused(500, "The proxy failed."))
                        transport.close()
                    if not request.keep_alive or self.closing:
                        transport.close()
            finally:
                self.busy = False
                self._after_answers()  # lifetime.Lifetime: the next deadline, or the close
            if self._lost or transport.is_closing():
                return
            self._wakeup = self.loop.create_future()
            await self._wakeup  # on_message_complete, or connection_lost
            self._wakeup = None

    # write, pause_writing, resume_writing, the deadline's verdicts: lifetime.Lifetime

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)  # the serving task ends
        self.writable.set()
        self.deadline.cancel()
        if self.registry is not None:
            self.registry.discard(self)

    def close_when_idle(self) -> None:
        """Shutting down: close now if no request is under way, else after the current one."""
        self.closing = True
        if not self.busy and not self.queue:
            self._close()
