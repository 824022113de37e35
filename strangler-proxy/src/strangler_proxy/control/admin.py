"""The admin listener (its own port): health, readiness, metrics, the admin API and page.

It is never reachable through the data port, whatever the path: a separate socket."""

import hmac
import json
import os
from typing import Any

from aiohttp import web

from strangler_proxy.control.admin_page import PAGE_POLICY, render_page, render_view
from strangler_proxy.control.changes import Control, routes_of
from strangler_proxy.control.metrics import Metrics
from strangler_proxy.policy.table import ConfigError

TOKEN_VARIABLE = "STRANGLER_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a secret
CONTROL = web.AppKey("control", Control)
METRICS = web.AppKey("metrics", Metrics)
NO_STORE = {"Cache-Control": "no-store"}


def state(control: Control, metrics: Metrics) -> dict[str, Any]:
    proxy = control.proxy
    statuses = metrics.count_status()
    routes = []
    for route in routes_of(proxy.table):
        shadow = proxy.shadower.stats.get(route["name"])
        route["responses"] = statuses.get(route["name"], {})
        route["shadow"] = (
            None
            if shadow is None
            else {
                "compared": shadow.compared,
                "mismatched": shadow.mismatched,
                "dropped": shadow.dropped,
                "failed": shadow.failed,
                "settled": shadow.settled,
                "recent": list(shadow.recent),
            }
        )
        routes.append(route)
    upstreams = [
        {"name": u.name, "url": u.url, "breaker": proxy.guard.states.get(u.name, "closed")}
        for u in proxy.table.upstreams.values()
    ]
    return {
        "source": str(control.routes_file),
        "loaded_at": control.loaded_at,
        "in_flight": proxy.in_flight,
        "routes": routes,
        "upstreams": upstreams,
    }


DISABLED = (
    f"The admin API is disabled because {TOKEN_VARIABLE} is unset: set it (and restart the "
    "proxy) to read the state and make changes. /healthz, /readyz and /metrics stay open."
)


def token_configured() -> bool:
    return bool(os.environ.get(TOKEN_VARIABLE, ""))


def _authorised(request: web.Request) -> None:
    """Reads and changes alike need the admin token: the state names upstreams and routes."""
    expected = os.environ.get(TOKEN_VARIABLE, "")
    if not expected:
        raise _problem(403, "admin-disabled", DISABLED)
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(offered.encode(), expected.encode()):
        raise _problem(401, "admin-unauthorized", "Send Authorization: Bearer <admin token>.")


def _problem(status: int, slug: str, detail: str) -> web.HTTPException:
    body = {
        "type": f"https://shop.example/problems/proxy/{slug}",
        "title": slug.replace("-", " "),
        "status": status,
        "detail": detail,
    }
    error_class = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        422: web.HTTPUnprocessableEntity,
    }[status]
    headers = {"X-Strangler-Error": "proxy", "Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="strangler-proxy admin"'
    return error_class(
        text=json.dumps(body), content_type="application/problem+json", headers=headers
    )


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    control = request.app[CONTROL]
    if control.draining:
        return web.json_response({"status": "draining"}, status=503)
    return web.json_response({"status": "ready", "routes": len(control.proxy.table.routes)})


async def prometheus(request: web.Request) -> web.Response:
    proxy = request.app[CONTROL].proxy
    body = request.app[METRICS].exposition(proxy.guard.states)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


async def api_state(request: web.Request) -> web.Response:
    _authorised(request)
    return web.json_response(state(request.app[CONTROL], request.app[METRICS]), headers=NO_STORE)


async def api_view(request: web.Request) -> web.Response:
    """The state as the page shows it (an HTML fragment), for the page's script."""
    _authorised(request)
    return web.Response(
        text=render_view(state(request.app[CONTROL], request.app[METRICS])),
        content_type="text/html",
        headers=NO_STORE,
    )


async def api_change_route(request: web.Request) -> web.Response:
    _authorised(request)
    try:
        changes = await request.json()
    except ValueError as error:
        raise _problem(400, "bad-request", "The body must be a JSON object.") from error
    if not isinstance(changes, dict) or not changes:
        raise _problem(422, "invalid-change", "Send a JSON object of fields to change.")
    actor = f"admin-token@{request.remote}"
    try:
        route = request.app[CONTROL].change_route(request.match_info["name"], changes, actor)
    except ConfigError as error:
        status = 404 if "no route named" in str(error) else 422
        raise _problem(status, "invalid-change", str(error)) from error
    return web.json_response(route)


async def api_reload(request: web.Request) -> web.Response:
    _authorised(request)
    ok, message = request.app[CONTROL].reload(f"admin-token@{request.remote}")
    if not ok:
        raise _problem(422, "reload-refused", message)
    return web.json_response({"status": "reloaded", "detail": message})


async def page(_: web.Request) -> web.Response:
    """The page holds no state: its script asks for it with the token the user gives."""
    disabled = None if token_configured() else DISABLED
    return web.Response(
        text=render_page(disabled),
        content_type="text/html",
        headers={**NO_STORE, "Content-Security-Policy": PAGE_POLICY},
    )


def admin_app(control: Control, metrics: Metrics) -> web.Application:
    app = web.Application()
    app[CONTROL] = control
    app[METRICS] = metrics
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", prometheus)
    app.router.add_get("/admin", page)
    app.router.add_get("/admin/api/state", api_state)
    app.router.add_get("/admin/api/view", api_view)
    app.router.add_patch("/admin/api/routes/{name}", api_change_route)
    app.router.add_post("/admin/api/reload", api_reload)
    return app


async def start_admin(control: Control, metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """Serve the admin app on its own port, on the proxy's event loop; `cleanup()` stops it."""
    runner = web.AppRunner(admin_app(control, metrics), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
