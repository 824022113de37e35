"""The proxy's HTTP/1.1 server: an asyncio protocol over httptools, one request at a time."""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate

import httptools
import structlog

from strangler_proxy.headers import Headers, get, serialise

log = structlog.get_logger(__name__)
MAX_PIPELINED = 8
REASONS = {
    200: b"OK",
    400: b"Bad Request",
    404: b"Not Found",
    413: b"Content Too Large",
    431: b"Request Header Fields Too Large",
    500: b"Internal Server Error",
    502: b"Bad Gateway",
    503: b"Service Unavailable",
    504: b"Gateway Timeout",
}


@dataclass
class Request:
    method: bytes
    target: bytes
    headers: Headers
    client: str
    keep_alive: bool
    body: bytes = b""
    http_version: str = "1.1"
    path: bytes = field(init=False)
    query: bytes = field(init=False)

    def __post_init__(self) -> None:
        path, _, query = self.target.partition(b"?")
        self.path, self.query = path, query


Handler = Callable[[Request, "Responder"], Awaitable[None]]


class Refused(Exception):
    """The request cannot be served at all (bad framing, too large): answer and close."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class Responder:
    """Writes one response to the client, with the framing the client connection needs."""

    def __init__(self, protocol: "ServerProtocol", request: Request) -> None:
        self.protocol, self.request = protocol, request
        self.started = False
        self.status = 0
        self._chunked = False
        self._head = b""  # held back to go out with the first body bytes: one write, not two

    def start(self, status: int, headers: Headers, *, length: int | None) -> None:
        self.started, self.status = True, status
        framing: Headers = []
        if self.request.method == b"HEAD" or status in (204, 304):
            framing = [(b"Content-Length", str(length).encode())] if length is not None else []
        elif length is not None:
            framing = [(b"Content-Length", str(length).encode())]
        else:
            self._chunked = True
            framing = [(b"Transfer-Encoding", b"chunked")]
        if not self.request.keep_alive or self.protocol.closing:
            framing.append((b"Connection", b"close"))
        line = b"HTTP/1.1 %d %s" % (status, REASONS.get(status, b"Status"))
        self._head = serialise(line, headers + framing)

    def send(self, chunk: bytes) -> None:
        if not chunk or self.request.method == b"HEAD":
            return
        data = b"%x\r\n%s\r\n" % (len(chunk), chunk) if self._chunked else chunk
        if self._head:
            data, self._head = self._head + data, b""
        self.protocol.write(data)

    def finish(self) -> None:
        tail = b"0\r\n\r\n" if self._chunked and self.request.method != b"HEAD" else b""
        if self._head or tail:
            self.protocol.write(self._head + tail)
            self._head = b""

    def simple(self, status: int, headers: Headers, body: bytes) -> None:
        stamped = [(b"Date", formatdate(usegmt=True).encode()), (b"Server", b"strangler-proxy")]
        self.start(status, stamped + headers, length=len(body))
        self.send(body)
        self.finish()

    @property
    def writable(self) -> asyncio.Event:
        return self.protocol.writable


class ServerProtocol(asyncio.Protocol):
    def __init__(
        self,
        handler: Handler,
        *,
        max_body: int,
        max_headers: int = 100,
        on_refused: Callable[[Responder, Refused], None],
        registry: set["ServerProtocol"] | None = None,
    ) -> None:
        self.handler, self.max_body, self.max_headers = handler, max_body, max_headers
        self.on_refused = on_refused
        self.registry = registry  # the open connections, for a clean drain on shutdown
        self.closing = False
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.writable = asyncio.Event()
        self.writable.set()
        self.queue: deque[Request] = deque()
        self.busy = False
        self._serving: asyncio.Future[None] | None = None
        self.client = ""
        self._url, self._headers, self._body = b"", [], bytearray()  # type: ignore[var-annotated]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self.registry is not None:
            self.registry.add(self)
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if peer else ""

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except Refused as refused:
            self._refuse(refused)
        except httptools.HttpParserCallbackError as error:  # our callbacks' Refused, wrapped
            cause = error.__cause__ or error.__context__
            self._refuse(
                cause if isinstance(cause, Refused) else Refused(400, "Malformed request.")
            )
        except httptools.HttpParserUpgrade:
            self._refuse(Refused(400, "Protocol upgrades are not supported."))
        except httptools.HttpParserError as error:
            self._refuse(Refused(400, f"Malformed HTTP request: {error}."))

    def on_message_begin(self) -> None:
        self._url, self._headers, self._body = b"", [], bytearray()

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self._headers) >= self.max_headers:
            raise Refused(431, "Too many request headers.")
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        length = get(self._headers, b"content-length")
        if length is not None and get(self._headers, b"transfer-encoding") is not None:
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
            if not self.transport.is_closing():
                self.transport.resume_reading()  # a no-op unless reading was paused

    def _refuse(self, refused: Refused) -> None:
        request = Request(
            method=b"GET", target=b"/", headers=[], client=self.client, keep_alive=False
        )
        self.on_refused(Responder(self, request), refused)
        if self.transport is not None:
            self.transport.close()

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.writable.set()
        if self.registry is not None:
            self.registry.discard(self)

    def close_when_idle(self) -> None:
        """Shutting down: close now if no request is under way, else after the current one."""
        self.closing = True
        if not self.busy and not self.queue and self.transport is not None:
            self.transport.close()
