"""The messages the proxy passes around: headers, a request as the server hands it over, an
upstream's response head; and the responder that writes an answer.

This is the one module the server, the upstream client and the policies share."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Protocol

# RFC 9110 7.6.1: connection-specific headers are never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)

# Names keep the case the peer sent (HTTP/1.1 names are case-insensitive; clients may not be).
Headers = list[tuple[bytes, bytes]]


def end_to_end(headers: Headers, *, also: frozenset[bytes] = frozenset()) -> Headers:
    """The headers without hop-by-hop ones (and those Connection names), nor `also`."""
    drop = HOP_BY_HOP | also
    for name, value in headers:
        if name.lower() == b"connection":
            drop = drop | {token.strip().lower() for token in value.split(b",")}
    return [(name, value) for name, value in headers if name.lower() not in drop]


def get(headers: Headers, name: bytes) -> bytes | None:
    """The first value of a header; `name` in lower case."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def serialise(status_line: bytes, headers: Headers) -> bytes:
    parts = [status_line]
    for name, value in headers:
        parts.append(name + b": " + value)
    parts.append(b"\r\n")
    return b"\r\n".join(parts)


# Every status gets its reason phrase as RFC 9110 names it (older Pythons still use RFC 7231's
# for a few); a status without a name gets none, which RFC 9112 section 4 allows.
REASONS = {status.value: status.phrase.encode() for status in HTTPStatus} | {
    413: b"Content Too Large",
    414: b"URI Too Long",
    416: b"Range Not Satisfiable",
    422: b"Unprocessable Content",
}


class Connection(Protocol):
    """What a responder writes to: the server's client connection."""

    closing: bool
    writable: asyncio.Event
    transport: asyncio.Transport | None

    def write(self, data: bytes) -> None: ...


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


@dataclass(frozen=True)
class ResponseHead:
    """An upstream's response head, as the upstream client parsed it."""

    status: int
    reason: bytes
    headers: Headers
    keep_alive: bool
    chunked: bool


Handler = Callable[[Request, "Responder"], Awaitable[None]]


class Refused(Exception):
    """The request cannot be served at all (bad framing, too large, too slow): answer, close."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.slug = status, detail, slug


class Responder:
    """Writes one response to the client, with the framing the client connection needs."""

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

    @property
    def writable(self) -> asyncio.Event:
        return self.protocol.writable
