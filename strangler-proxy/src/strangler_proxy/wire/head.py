"""A request head checked as the parser hands it over: sizes against settings.Limits, and the
framing rules (Host, Content-Length, Transfer-Encoding) that keep a request from being read two
ways. Each breach raises Refused; the server answers it and closes (ADR-0011).

`HeadLimits` holds the parser's callbacks for the head and body; ServerProtocol inherits them, so
the parser calls them on the connection itself, with no extra call per request."""

import httptools
from mypy_extensions import trait

from strangler_proxy.messages import Headers, lowered
from strangler_proxy.settings import Limits
from strangler_proxy.wire.responder import Refused

# A DNS name is at most 253 bytes; with an IPv6 literal's brackets and a port, well under this.
# A longer Host would also be copied into X-Forwarded-Host, past the upstream's line limit.
MAX_HOST_BYTES = 300

IDLE, HEAD, BODY = 0, 1, 2  # where the parser is in the current request
SHORTEST_LINE = len(b"GET  HTTP/1.1")  # a request line around an empty target


def refusal_for(error: Exception) -> Refused:
    """The answer to a request the parser, or one of our callbacks, gave up on."""
    if isinstance(error, httptools.HttpParserCallbackError):  # our callbacks' Refused, wrapped
        cause = error.__cause__ or error.__context__
        return cause if isinstance(cause, Refused) else Refused(400, "Malformed request.")
    if isinstance(error, Refused):
        return error
    if isinstance(error, httptools.HttpParserUpgrade):
        return Refused(400, "Protocol upgrades are not supported.")
    return Refused(400, f"Malformed HTTP request: {error}.")


@trait  # a mixin of ServerProtocol: compiled, a class can have one base and traits (ADR-0008)
class HeadLimits:
    """The parser callbacks that check a request as it arrives (set up by ServerProtocol)."""

    limits: Limits
    max_body: int
    parser: httptools.HttpRequestParser
    _long_target: int  # a target this long may already make the request line too long
    _url: bytes
    _headers: Headers
    _names: list[bytes]  # the header names in lower case, once the head is complete
    _body: bytearray
    _phase: int
    _head_seen: int  # bytes of the current head the parser has handed over

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
        headers = self._headers
        # One pass lowers the names; the checks below and the request path reuse them.
        names = self._names = lowered(headers)
        hosts, encodings = names.count(b"host"), names.count(b"transfer-encoding")
        if hosts and len(headers[names.index(b"host")][1]) > MAX_HOST_BYTES:
            raise Refused(400, "The Host header is longer than any host name and port.")
        if encodings and headers[names.index(b"transfer-encoding")][1].lower() != b"chunked":
            raise Refused(400, "Only the chunked transfer coding is accepted.")
        if hosts > 1:
            raise Refused(400, "More than one Host header (RFC 9112 3.2).")
        if not hosts and version == "1.1":
            raise Refused(400, "An HTTP/1.1 request needs a Host header (RFC 9112 3.2).")
        if names.count(b"content-type") > 1 or encodings > 1:
            raise Refused(400, "Content-Type and Transfer-Encoding may each be sent once.")
        if b"content-length" not in names:
            return
        if encodings:
            raise Refused(400, "Content-Length and Transfer-Encoding together are refused.")
        length = headers[names.index(b"content-length")][1]  # llhttp refuses a second one
        if length.isdigit() and int(length) > self.max_body:
            raise Refused(
                413, f"The body is larger than the proxy accepts ({self.max_body} bytes)."
            )

    def on_body(self, body: bytes) -> None:
        self._body += body
        if len(self._body) > self.max_body:
            raise Refused(
                413, f"The body is larger than the proxy accepts ({self.max_body} bytes)."
            )
