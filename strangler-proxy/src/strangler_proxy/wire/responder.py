"""What the server hands a handler, and how one answer goes back to the client: the Responder
frames it (length or chunks, HEAD, keep-alive) and writes it to the connection."""

import asyncio
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Protocol

from strangler_proxy.messages import REASONS, Headers, Request, serialise


class Connection(Protocol):
    """What a responder writes to: the server's client connection."""

    closing: bool
    writable: asyncio.Event
    transport: asyncio.Transport | None

    def write(self, data: bytes) -> None: ...


Handler = Callable[[Request, "Responder"], Awaitable[None]]


class Refused(Exception):
    """The request cannot be served at all (bad framing, too large, too slow): answer, close."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.slug = status, detail, slug


class Responder:
    """Writes one response to the client, with the framing the client connection needs."""

    __slots__ = ("_chunked", "_head", "protocol", "request", "started", "status")

    def __init__(self, protocol: Connection, request: Request) -> None:
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
        line = b"HTTP/1.1 %d %s" % (status, REASONS.get(status, b""))
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

    def abort(self) -> None:
        """Close the connection mid-answer (the upstream broke off): the client sees the answer
        cut short, never one that looks complete."""
        if self.protocol.transport is not None:
            self.protocol.transport.close()

    @property
    def writable(self) -> asyncio.Event:
        return self.protocol.writable
