"""The proxy's HTTP/1.1 server: an asyncio protocol over httptools, one request at a time.

It enforces the edge limits (settings.Limits) itself: sizes while the head is parsed, and
time with one timer per connection whose deadline moves without rescheduling on every read."""

import asyncio
import socket
import struct
from collections import deque
from collections.abc import Callable

import httptools
import structlog

from strangler_proxy.deadline import Deadline
from strangler_proxy.messages import Handler, Refused, Request, Responder
from strangler_proxy.settings import Limits

log = structlog.get_logger(__name__)
MAX_PIPELINED = 8
# After a refusal the answer goes out, then what the client still sends is read and dropped
# this long: closing with unread input would reset the connection and could lose the answer.
LINGER_SECONDS = 2.0
SHORTEST_LINE = len(b"GET  HTTP/1.1")  # a request line around an empty target
IDLE, HEAD, BODY = 0, 1, 2  # where the parser is in the current request


def _refusal(error: Exception) -> Refused:
    """The answer to a request the parser, or one of our callbacks, gave up on."""
    if isinstance(error, httptools.HttpParserCallbackError):  # our callbacks' Refused, wrapped
        cause = error.__cause__ or error.__context__
        return cause if isinstance(cause, Refused) else Refused(400, "Malformed request.")
    if isinstance(error, Refused):
        return error
    if isinstance(error, httptools.HttpParserUpgrade):
        return Refused(400, "Protocol upgrades are not supported.")
    return Refused(400, f"Malformed HTTP request: {error}.")


class ServerProtocol(asyncio.Protocol):
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
        self._serving: asyncio.Future[None] | None = None
        self.client = ""
        self._url, self._headers, self._body = b"", [], bytearray()  # type: ignore[var-annotated]
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
            self._refuse(_refusal(error))
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
        self._url, self._headers, self._body = b"", [], bytearray()
        self._phase, self._head_seen, self._head_read = HEAD, 0, 0
        self._heads += 1

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_seen += len(url)
        if len(self._url) > self._long_target:
            line = len(self.parser.get_method()) + len(self._url) + len(b"  HTTP/1.1")
            if line > self.limits.max_request_line_bytes:
                raise Refused(
                    414,
                    "The request line is longer than the proxy accepts "
                    f"({self.limits.max_request_line_bytes} bytes).",
                )

    def on_header(self, name: bytes, value: bytes) -> None:
        limits = self.limits
        if len(self._headers) >= limits.max_header_count:
            raise Refused(431, f"More than {limits.max_header_count} request headers.")
        size = len(name) + len(value) + 4  # "name: value\r\n"
        if size > limits.max_header_field_bytes:
            raise Refused(
                431,
                f"The header {name[:64].decode('latin-1')!r} is longer than the proxy accepts "
                f"({limits.max_header_field_bytes} bytes).",
            )
        self._head_seen += size
        if self._head_seen > limits.max_header_bytes:
            raise self._head_too_large()
        self._headers.append((name, value))

    def _head_too_large(self) -> Refused:
        return Refused(
            431,
            f"The request head is larger than the proxy accepts "
            f"({self.limits.max_header_bytes} bytes).",
        )

    def on_headers_complete(self) -> None:
        self._phase = BODY
        version = self.parser.get_http_version()
        if version not in ("1.1", "1.0"):
            raise Refused(400, "Only HTTP/1.1 and HTTP/1.0 requests are served.")
        hosts = types = encodings = 0
        length = None
        for name, value in self._headers:
            lower = name.lower()
            if lower == b"host":
                hosts += 1
            elif lower == b"content-length":
                length = value
            elif lower == b"transfer-encoding":
                encodings += 1
                if value.lower() != b"chunked":
                    raise Refused(400, "Only the chunked transfer coding is accepted.")
            elif lower == b"content-type":
                types += 1
        if hosts > 1:
            raise Refused(400, "More than one Host header (RFC 9112 3.2).")
        if not hosts and version == "1.1":
            raise Refused(400, "An HTTP/1.1 request needs a Host header (RFC 9112 3.2).")
        if types > 1 or encodings > 1:
            raise Refused(400, "Content-Type and Transfer-Encoding may each be sent once.")
        if length is not None and encodings:
            raise Refused(400, "Content-Length and Transfer-Encoding together are refused.")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise Refused(
                413, f"The body is larger than the proxy accepts ({self.max_body} bytes)."
            )

    def on_body(self, body: bytes) -> None:
        self._body += body
        if len(self._body) > self.max_body:
            raise Refused(
                413, f"The body is larger than the proxy accepts ({self.max_body} bytes)."
            )

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
            )
        )
        if len(self.queue) > MAX_PIPELINED and self.transport is not None:
            self.transport.pause_reading()  # a client pipelining too far ahead waits in the socket
        if not self.busy:
            self.busy = True
            self._serving = asyncio.ensure_future(self._serve_queue())

    def eof_received(self) -> bool | None:
        if self.busy and not self._lingering:
            self._client_done = True
            return True  # keep writing: the answers under way still go out
        self.deadline.set(self.limits.send_timeout_seconds)  # for the close (see _close)
        return None  # close

    # --- answering ----------------------------------------------------------------------------

    async def _serve_queue(self) -> None:
        """Answer queued requests one at a time, in order (HTTP/1.1 pipelining keeps order)."""
        assert self.transport is not None
        try:
            while self.queue and not self.transport.is_closing():
                request = self.queue.popleft()
                responder = Responder(self, request)
                try:
                    await self.handler(request, responder)
                except Exception as error:  # a bug in the proxy: answer, log, and close
                    log.exception("proxy_error", error=repr(error))
                    if not responder.started:
                        self.on_refused(responder, Refused(500, "The proxy failed."))
                    self.transport.close()
                if not request.keep_alive or self.closing:
                    self.transport.close()
        finally:
            self.busy = False
            self._after_answers()

    def _after_answers(self) -> None:
        transport, limits = self.transport, self.limits
        if transport is None or self._lost:
            return
        if self._refusal is not None and not transport.is_closing():
            refusal, self._refusal = self._refusal, None
            self._answer(refusal)
        elif self._client_done or transport.is_closing():
            self._close()
        elif not self.writable.is_set():
            self.deadline.set(limits.send_timeout_seconds)  # the client must take its answer
        else:
            transport.resume_reading()  # a no-op unless reading was paused
            self.deadline.set(
                limits.keepalive_timeout_seconds
                if self._phase == IDLE
                else limits.client_header_timeout_seconds
                if self._phase == HEAD
                else limits.client_body_timeout_seconds
            )

    def _refuse(self, refused: Refused) -> None:
        if self.busy:
            self._refusal = refused  # the answers to the requests before it go first
        else:
            self._answer(refused)

    def _answer(self, refused: Refused) -> None:
        """Answer a refusal, then linger: stop reading requests, drop input, close soon."""
        target = self._url if self._phase != IDLE and len(self._url) <= 1024 else b"/"
        request = Request(
            method=b"GET", target=target, headers=[], client=self.client, keep_alive=False
        )
        self.on_refused(Responder(self, request), refused)
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self._lingering = True
        if transport.can_write_eof():
            transport.write_eof()  # the answer, then end of stream: the client reads it whole
        self.deadline.set(LINGER_SECONDS)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self._lingering:
            self.transport.write(data)

    def pause_writing(self) -> None:
        self.writable.clear()
        self.deadline.set(self.limits.send_timeout_seconds)

    def resume_writing(self) -> None:
        self.writable.set()

    def _time_is_up(self) -> None:
        """The connection's deadline has passed: what that means depends on where it is."""
        transport = self.transport
        if transport is None or self._lost:
            return
        if transport.is_closing() or not self.writable.is_set():
            # the client takes nothing of what it was sent, or not the end of it
            log.info("client_not_reading", client=self.client)
            self._reset(transport)
        elif self.busy:
            return  # answering: the upstream's timeout bounds it
        elif self._lingering or self._phase == IDLE:
            self._close()  # lingered, or kept alive long enough (or never sent anything)
        else:
            self._answer(Refused(408, "The request did not arrive in time."))

    def _close(self) -> None:
        """Close once the last bytes are out; a client that takes none of them is reset then."""
        if self.transport is not None and not self._lost:
            self.transport.close()
            self.deadline.set(self.limits.send_timeout_seconds)

    @staticmethod
    def _reset(transport: asyncio.Transport) -> None:
        """Close at once with a reset: what is still queued for the client is dropped too."""
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self.writable.set()
        self.deadline.cancel()
        if self.registry is not None:
            self.registry.discard(self)

    def close_when_idle(self) -> None:
        """Shutting down: close now if no request is under way, else after the current one."""
        self.closing = True
        if not self.busy and not self.queue:
            self._close()
