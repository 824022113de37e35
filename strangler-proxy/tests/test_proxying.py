"""The proxy in front of real upstream servers, over real sockets."""

import asyncio

import httpx
from aiohttp import web
from proxy_harness import ONE_UPSTREAM, Running, raw_exchange, running, scripted_upstream

ONE_ROUTE = """
[upstreams.app]
url = "${APP_URL}"
timeout = 1
[[routes]]
path = "/**"
primary = "app"
"""


def echo_app(state: Running) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
        state.seen.append(request)
        if request.path == "/slow":
            await asyncio.sleep(3)
        if request.path == "/big":
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(80):
                await response.write(b"x" * 65536)
            await response.write_eof()
            return response
        body = await request.read()
        return web.json_response(
            {"method": request.method, "path": request.path_qs, "body": body.decode()},
            headers={"Keep-Alive": "timeout=5", "X-Upstream": "yes"},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


def test_requests_and_responses_pass_through_with_hygiene() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        response = client.post(
            "/api/v1/things?x=1",
            content=b'{"a": 1}',
            headers={
                "Content-Type": "application/json",
                "Connection": "keep-alive, X-Secret-Hop",
                "X-Secret-Hop": "must not pass",
                "X-Forwarded-For": "6.6.6.6",
                "X-Request-ID": "req-123",
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        )
        assert response.status_code == 200
        assert response.json() == {
            "method": "POST",
            "path": "/api/v1/things?x=1",
            "body": '{"a": 1}',
        }
        seen = shop.seen[-1].headers
        assert "X-Secret-Hop" not in seen
        assert seen["X-Forwarded-For"] == "127.0.0.1"  # the forged value is replaced
        assert seen["X-Forwarded-Proto"] == "http"
        assert seen["X-Forwarded-Host"] == f"127.0.0.1:{shop.proxy_port}"
        assert seen["X-Request-ID"] == "req-123"
        assert seen["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c")
        assert "Keep-Alive" not in response.headers  # hop-by-hop from the upstream is dropped
        assert response.headers["X-Upstream"] == "yes"
        assert response.headers["X-Request-ID"] == "req-123"
        assert len(response.headers.get_list("Server")) == 1
        assert len(response.headers.get_list("Date")) == 1


def test_a_request_id_is_made_when_missing_or_invalid() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        made = client.get("/x", headers={"X-Request-ID": "bad id"}).headers["X-Request-ID"]
        assert len(made) == 32 and shop.seen[-1].headers["X-Request-ID"] == made
        others = {client.get("/x").headers["X-Request-ID"] for _ in range(5)}
        assert len(others | {made}) == 6  # each request its own
        assert all(int(rid, 16) >= 0 and len(rid) == 32 for rid in others)


def test_upstream_connections_are_reused() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        for _ in range(20):
            assert client.get("/x").status_code == 200
        peers = {request.transport.get_extra_info("peername") for request in shop.seen}  # type: ignore[union-attr]
        assert len(peers) == 1


def test_large_chunked_responses_stream_through_intact() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        response = client.get("/big")
        assert response.status_code == 200 and len(response.content) == 80 * 65536
        assert response.headers["Transfer-Encoding"] == "chunked"


def test_head_requests_get_headers_only() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        response = client.head("/x")
        assert response.status_code == 200 and response.content == b""
        assert client.get("/x").status_code == 200  # the connection is still usable


def problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["X-Strangler-Error"] == "proxy"
    assert response.json()["type"] == f"https://shop.example/problems/proxy/{slug}"


def test_unreachable_and_slow_upstreams_are_proxy_problems() -> None:
    with running(ONE_ROUTE, {"app": None}) as shop, httpx.Client(base_url=shop.url) as client:
        problem(client.get("/x"), 502, "bad-gateway")
    with running(ONE_ROUTE, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        problem(client.get("/slow"), 504, "gateway-timeout")
        assert client.get("/x").status_code == 200


def test_no_route_is_a_404_problem() -> None:
    routes = '[upstreams.app]\nurl = "${APP_URL}"\n[[routes]]\npath = "/api/**"\nprimary = "app"\n'
    with running(routes, {"app": echo_app}) as shop, httpx.Client(base_url=shop.url) as client:
        problem(client.get("/elsewhere"), 404, "no-route")


def test_smuggling_attempts_are_refused() -> None:
    with running(ONE_ROUTE, {"app": echo_app}, max_body_bytes=1000) as shop:
        both = raw_exchange(
            shop.proxy_port,
            b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        )
        assert both.startswith(b"HTTP/1.1 400")
        absolute = raw_exchange(
            shop.proxy_port, b"GET http://evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        assert absolute.startswith(b"HTTP/1.1 400")
        dots = raw_exchange(shop.proxy_port, b"GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n")
        assert dots.startswith(b"HTTP/1.1 400")
        large = raw_exchange(
            shop.proxy_port,
            b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + b"y" * 5000,
        )
        assert large.startswith(b"HTTP/1.1 413")
        assert shop.seen == []


def test_pipelined_requests_are_answered_in_order() -> None:
    with running(ONE_ROUTE, {"app": echo_app}) as shop:
        answer = raw_exchange(
            shop.proxy_port,
            b"GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            b"GET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        )
        assert answer.count(b"HTTP/1.1 200") == 2
        assert answer.index(b'"/one"') < answer.index(b'"/two"')


def test_a_chunked_answer_with_trailers_is_relayed_without_them() -> None:
    """Trailers arrive after the head was handed on: they never change the head's headers."""
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
        b"2\r\n{}\r\n0\r\nX-Sum: 1\r\n\r\n"
    )
    with (
        running(ONE_UPSTREAM, {"app": None}) as shop,
        scripted_upstream(shop.upstream_ports["app"], {b"/sum": answer}),
        httpx.Client(base_url=shop.url) as client,
    ):
        for _ in range(2):  # and the connection serves the next answer as well
            response = client.get("/sum")
            assert response.status_code == 200 and response.content == b"{}"
            assert "x-sum" not in response.headers and "trailer" not in response.headers
