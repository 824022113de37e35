"""HEAD and conditional requests (304) answered through the proxy exactly as directly: same
status and headers (apart from hop-by-hop ones and Date), no body, and the connection goes on."""

from collections import Counter

import pytest
from aiohttp import web
from proxy_harness import Running, running
from proxy_wire import Answer, Wire

TABLE = """
[upstreams.app]
url = "${APP_URL}"
[[routes]]
path = "/**"
primary = "app"
"""
ETAG = '"v7"'
MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"
DOCUMENT = b'{"id": 7, "name": "Classic Lamp"}' * 40
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"}


def app(state: Running) -> web.Application:
    async def document(request: web.Request) -> web.Response:
        state.seen.append(request)
        headers = {
            "ETag": ETAG,
            "Last-Modified": MODIFIED,
            "Cache-Control": "max-age=60",
            "Vary": "Accept",
            "X-Request-ID": request.headers.get("X-Request-ID", "none"),
        }
        if request.headers.get("If-None-Match") == ETAG or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == MODIFIED
        ):
            return web.Response(status=304, headers=headers)
        return web.Response(body=DOCUMENT, content_type="application/json", headers=headers)

    application = web.Application()
    application.router.add_get("/doc", document)  # and HEAD, answered by aiohttp without a body
    return application


def comparable(answer: Answer) -> Counter[tuple[bytes, bytes]]:
    return Counter(
        (name.lower(), value)
        for name, value in answer.headers
        if name.lower() not in HOP_BY_HOP | {b"date"}
    )


def ask(port: int, request: bytes, *, head_only: bool) -> tuple[Answer, Answer]:
    """The answer to `request`, then to a plain GET sent after it on the same connection."""
    follow_up = b"GET /doc HTTP/1.1\r\nHost: shop.example\r\nX-Request-ID: after\r\n\r\n"
    with Wire(port) as wire:
        wire.send(request + follow_up)  # pipelined: a stray body would be read as the next answer
        return wire.answer(head_only=head_only), wire.answer()


@pytest.mark.parametrize(
    ("method", "condition", "status"),
    [
        (b"HEAD", b"", 200),
        (b"GET", b"If-None-Match: " + ETAG.encode() + b"\r\n", 304),
        (b"GET", b"If-Modified-Since: " + MODIFIED.encode() + b"\r\n", 304),
        (b"HEAD", b"If-None-Match: " + ETAG.encode() + b"\r\n", 304),
        (b"GET", b'If-None-Match: "other"\r\n', 200),
    ],
    ids=["head", "if-none-match", "if-modified-since", "head-if-none-match", "stale-etag"],
)
def test_answers_through_the_proxy_are_the_upstreams_own(
    method: bytes, condition: bytes, status: int
) -> None:
    request = (
        method + b" /doc HTTP/1.1\r\nHost: shop.example\r\nX-Request-ID: rid-1\r\n" + condition
    )
    request += b"\r\n"
    head_only = method == b"HEAD"
    with running(TABLE, {"app": app}) as shop:
        direct, direct_next = ask(shop.upstream_ports["app"], request, head_only=head_only)
        proxied, proxied_next = ask(shop.proxy_port, request, head_only=head_only)
    assert direct.status == proxied.status == status
    assert comparable(proxied) == comparable(direct)
    assert proxied.body == direct.body == (DOCUMENT if status == 200 and not head_only else b"")
    if head_only and status == 200:
        assert proxied.header("content-length") == str(len(DOCUMENT)).encode()
    for follow_up in (direct_next, proxied_next):  # the connection is still in step
        assert follow_up.status == 200 and follow_up.body == DOCUMENT
    assert comparable(proxied_next) == comparable(direct_next)
