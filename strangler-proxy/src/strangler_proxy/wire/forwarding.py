"""What the proxy adds to and removes from a request on its way to an upstream."""

import os
import re

from strangler_proxy.messages import HOP_BY_HOP, Headers, Request, ResponseHead, end_to_end

_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
# Only the proxy sets these: a client must not be able to forge them.
_SET_BY_PROXY = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
        b"x-real-ip",
        b"x-strangler-target",
        b"content-length",
    }
)
# What never goes upstream as the client sent it (the proxy sets its own X-Request-ID), and
# what never goes back to the client as the upstream sent it (the Responder frames the answer).
_NOT_TO_UPSTREAM = HOP_BY_HOP | _SET_BY_PROXY | {b"x-request-id"}
_NOT_TO_CLIENT = HOP_BY_HOP | {b"content-length"}


class RequestIds:
    """Ids for requests that bring none: a random prefix per process and a counter, 32 hex
    digits like a random id, without a getrandom call per request (ADR-0008)."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)  # a forked worker needs its own prefix

    def reseed(self) -> None:
        self.prefix, self.count = os.urandom(8).hex().encode(), 0

    def next(self) -> bytes:
        self.count += 1
        return b"%s%016x" % (self.prefix, self.count)


_ids = RequestIds()


def request_id(request: Request) -> bytes:
    offered = request.header(b"x-request-id")
    return offered if offered and _VALID_REQUEST_ID.match(offered) else _ids.next()


def upstream_request(request: Request, *, rid: bytes, scheme: bytes = b"http") -> bytes:
    """The request as the upstream gets it: end-to-end headers plus forwarding headers."""
    # The proxy is the edge: forwarding headers from clients are dropped here, not extended.
    headers = end_to_end(request.headers, request.names, _NOT_TO_UPSTREAM)
    host = request.header(b"host")
    headers += [
        (b"X-Forwarded-For", request.client.encode()),
        (b"X-Forwarded-Proto", scheme),
        (b"X-Forwarded-Host", host or b""),
        (b"X-Request-ID", rid),
    ]
    if host is None:  # an HTTP/1.0 request without one; HTTP/1.1 needs it (RFC 9112 3.2)
        headers.append((b"Host", b""))
    if request.body or request.method not in (b"GET", b"HEAD", b"DELETE", b"OPTIONS"):
        headers.append((b"Content-Length", str(len(request.body)).encode()))
    lines = [request.method + b" " + request.target + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.body


def client_headers(head: ResponseHead, *, rid: bytes) -> Headers:
    """The upstream's response headers as the client gets them (framing is set separately)."""
    headers = end_to_end(head.headers, head.names, _NOT_TO_CLIENT)
    if b"x-request-id" not in head.names:
        headers.append((b"X-Request-ID", rid))
    return headers
