"""HTTP/1.1 header hygiene shared by the server and the upstream client."""

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
