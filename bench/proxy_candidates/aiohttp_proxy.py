"""Candidate for ADR-0008: the same proxying on aiohttp's server and pooled client.

Usage: python -m bench.proxy_candidates.aiohttp_proxy UPSTREAM_URL PORT
"""

import sys

import aiohttp
import uvloop
from aiohttp import web

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


def make_app(upstream: str) -> web.Application:
    app = web.Application()

    async def start(app: web.Application) -> None:
        connector = aiohttp.TCPConnector(limit=128, keepalive_timeout=1.5)
        app["session"] = aiohttp.ClientSession(upstream, connector=connector, auto_decompress=False)

    async def stop(app: web.Application) -> None:
        await app["session"].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or ""
        body = await request.read()
        async with app["session"].request(
            request.method,
            request.rel_url,
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as upstream_response:
            payload = await upstream_response.read()
            out = {
                k: v for k, v in upstream_response.headers.items() if k.lower() not in HOP_BY_HOP
            }
            return web.Response(status=upstream_response.status, headers=out, body=payload)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


if __name__ == "__main__":
    uvloop.install()
    web.run_app(
        make_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), access_log=None, print=None
    )
