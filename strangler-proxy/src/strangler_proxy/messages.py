"""The messages the proxy passes around: headers and their helpers, a request as the server hands
it over, an upstream's response head, and the reason phrase of each status.

The one module of message types: the wire, the policy and the control plane all read it, and it
imports nothing of theirs."""

from dataclasses import dataclass, field
from http import HTTPStatus

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


def end_to_end(
    headers: Headers, names: list[bytes], *, also: frozenset[bytes] = frozenset()
) -> Headers:
    """The headers without hop-by-hop ones (and those Connection names), nor `also`.

    `names` are the headers' names in lower case, in order: one pass lowers them (the server and
    the upstream client do it as a head arrives), and every later look-up reuses it."""
    drop = HOP_BY_HOP | also
    if b"connection" in names:
        for name, (_, value) in zip(names, headers, strict=True):
            if name == b"connection":
                drop = drop | {token.strip().lower() for token in value.split(b",")}
    return [header for name, header in zip(names, headers, strict=True) if name not in drop]


def lowered(headers: Headers) -> list[bytes]:
    return [name.lower() for name, _ in headers]


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


@dataclass(slots=True)  # one per request: slots make it cheaper to build and to read
class Request:
    method: bytes
    target: bytes
    headers: Headers
    client: str
    keep_alive: bool
    body: bytes = b""
    http_version: str = "1.1"
    names: list[bytes] = field(default_factory=list)  # lower case; filled in if not given
    path: bytes = field(init=False)
    query: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.names) != len(self.headers):
            self.names = lowered(self.headers)
        path, _, query = self.target.partition(b"?")
        self.path, self.query = path, query

    def header(self, name: bytes) -> bytes | None:
        """The first value of a header; `name` in lower case."""
        try:
            return self.headers[self.names.index(name)][1]
        except ValueError:
            return None


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a setattr per field
class ResponseHead:
    """An upstream's response head, as the upstream client parsed it."""

    status: int
    reason: bytes
    headers: Headers
    keep_alive: bool
    chunked: bool
    names: list[bytes] = field(default_factory=list)  # lower case, as Request.names
    length: int | None = None  # Content-Length, unless chunked
