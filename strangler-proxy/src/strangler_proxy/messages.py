"""The messages the proxy passes around: headers and their helpers, a request as the server hands
it over, an upstream's response head, and the reason phrase of each status.

The one module of message types: the wire, the policy and the control plane all read it, and it
imports nothing of theirs."""

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


# Connection values that name no header beyond the hop-by-hop ones: nothing more to drop.
_PLAIN_CONNECTION = frozenset({b"keep-alive", b"close"})


def end_to_end(headers: Headers, names: list[bytes], drop: frozenset[bytes]) -> Headers:
    """The headers without those in `drop` (which holds HOP_BY_HOP) and those Connection names.

    `names` are the headers' names in lower case, in order: one pass lowers them (the server and
    the upstream client do it as a head arrives), and every later look-up reuses it. `drop` is
    built once by the caller: a set built per request was a tenth of the proxy's own work."""
    # Loops by index: compiled, they run as C loops, where zip() builds a tuple per header.
    if b"connection" in names:
        for i in range(len(names)):
            value = headers[i][1]
            if names[i] == b"connection" and value.lower() not in _PLAIN_CONNECTION:
                drop = drop | {token.strip().lower() for token in value.split(b",")}
    return [headers[i] for i in range(len(names)) if names[i] not in drop]


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


class Request:
    """A request as the server parsed it. A plain class with slots, not a dataclass: compiled, its
    __init__ is native code, where a dataclass's is generated Python (ADR-0008)."""

    __slots__ = (
        "body",
        "client",
        "headers",
        "http_version",
        "keep_alive",
        "method",
        "names",
        "path",
        "query",
        "target",
    )

    def __init__(
        self,
        *,
        method: bytes,
        target: bytes,
        headers: Headers,
        client: str,
        keep_alive: bool,
        body: bytes = b"",
        http_version: str = "1.1",
        names: list[bytes] | None = None,  # lower case; lowered here if not given
    ) -> None:
        self.method, self.target, self.headers, self.client = method, target, headers, client
        self.keep_alive, self.body, self.http_version = keep_alive, body, http_version
        self.names = names if names is not None and len(names) == len(headers) else lowered(headers)
        self.path, _, self.query = target.partition(b"?")

    def header(self, name: bytes) -> bytes | None:
        """The first value of a header; `name` in lower case."""
        names = self.names
        for i in range(len(names)):  # most look-ups miss: no ValueError raised for those
            if names[i] == name:
                return self.headers[i][1]
        return None


class ResponseHead:
    """An upstream's response head, as the upstream client parsed it (a plain class, as Request)."""

    __slots__ = ("chunked", "headers", "keep_alive", "length", "names", "reason", "status")

    def __init__(
        self,
        *,
        status: int,
        reason: bytes,
        headers: Headers,
        keep_alive: bool,
        chunked: bool,
        names: list[bytes] | None = None,  # lower case, as Request.names
        length: int | None = None,  # Content-Length, unless chunked
    ) -> None:
        self.status, self.reason, self.headers = status, reason, headers
        self.keep_alive, self.chunked, self.length = keep_alive, chunked, length
        self.names = names if names is not None else lowered(headers)
