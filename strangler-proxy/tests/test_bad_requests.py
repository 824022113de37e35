"""Requests an upstream would refuse with its own (HTML) error are refused by the proxy first,
as problem details; and every status line the proxy writes has the right reason phrase."""

import pytest
from aiohttp import web
from proxy_harness import Running, running
from proxy_wire import Wire, assert_problem

from strangler_proxy.messages import REASONS, Headers, Request
from strangler_proxy.wire.problems import TITLES
from strangler_proxy.wire.responder import Responder

TABLE = """
[upstreams.app]
url = "${APP_URL}"
[[routes]]
path = "/**"
primary = "app"
"""


def app(state: Running) -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        state.seen.append(request)
        if request.path.startswith("/status/"):
            return web.Response(status=int(request.path.rsplit("/", 1)[1]))
        return web.json_response({"host": request.headers.getall("Host", [])})

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", echo)
    return application


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n"
        b"Content-Length: 0\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Bad: a\x01b\r\n\r\n",
        b"GET /?q=\xff HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: " + b"a" * 301 + b"\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
    ],
    ids=[
        "two-hosts",
        "http11-without-host",
        "http10-two-hosts",
        "coded-body",
        "two-transfer-encodings",
        "two-content-types",
        "http2-line",
        "control-character",
        "non-ascii-target",
        "host-longer-than-a-host-name",
        "two-equal-content-lengths",
        "two-content-lengths",
    ],
)
def test_malformed_requests_are_400_problems_and_never_forwarded(head: bytes) -> None:
    with running(TABLE, {"app": app}) as shop, Wire(shop.proxy_port) as wire:
        wire.send(head)
        answer = wire.answer()
        assert_problem(answer, 400, "bad-request")
        assert answer.header("connection") == b"close" and wire.closed()
        assert shop.seen == []


def test_an_http10_request_without_host_gets_an_empty_host_upstream() -> None:
    """RFC 9112 3.2: a request with no authority still carries Host, with an empty value."""
    with running(TABLE, {"app": app}) as shop, Wire(shop.proxy_port) as wire:
        wire.send(b"GET /x HTTP/1.0\r\n\r\n")
        answer = wire.answer()
        assert answer.status == 200 and answer.json() == {"host": [""]}


def test_a_malformed_request_after_a_good_one_is_answered_in_its_turn() -> None:
    with running(TABLE, {"app": app}) as shop, Wire(shop.proxy_port) as wire:
        wire.send(
            b"GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
        )
        assert wire.answer().json() == {"host": ["a"]}
        assert_problem(wire.answer(), 400, "bad-request")
        assert wire.closed()
        assert [request.path for request in shop.seen] == ["/one"]


@pytest.mark.parametrize("status", [414, 418, 422, 431, 451, 599])
def test_upstream_statuses_keep_their_reason_phrase_or_have_none(status: int) -> None:
    expected = {
        414: b"URI Too Long",
        418: b"I'm a Teapot",
        422: b"Unprocessable Content",
        431: b"Request Header Fields Too Large",
        451: b"Unavailable For Legal Reasons",
        599: b"",  # no name: no phrase, and no stand-in such as "Status"
    }
    with running(TABLE, {"app": app}) as shop, Wire(shop.proxy_port) as wire:
        wire.send(b"GET /status/%d HTTP/1.1\r\nHost: a\r\n\r\n" % status)
        answer = wire.answer()
        assert (answer.status, answer.reason) == (status, expected[status])


class Capture:
    closing = False

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def status_line(status: int) -> bytes:
    protocol = Capture()
    request = Request(method=b"GET", target=b"/", headers=[], client="", keep_alive=True)
    responder = Responder(protocol, request)  # type: ignore[arg-type]
    headers: Headers = []
    responder.simple(status, headers, b"")
    return protocol.data.split(b"\r\n", 1)[0]


def test_every_status_the_proxy_answers_itself_has_its_rfc_9110_reason_phrase() -> None:
    rfc_9110 = {
        400: b"Bad Request",
        404: b"Not Found",
        408: b"Request Timeout",
        413: b"Content Too Large",
        414: b"URI Too Long",
        431: b"Request Header Fields Too Large",
        500: b"Internal Server Error",
        502: b"Bad Gateway",
        503: b"Service Unavailable",
        504: b"Gateway Timeout",
    }
    assert set(TITLES) == set(rfc_9110)  # a new status the proxy answers must be added here
    for status, reason in rfc_9110.items():
        assert REASONS[status] == reason
        assert status_line(status) == b"HTTP/1.1 %d %s" % (status, reason)
