"""Request ids, access logs and health endpoints."""

import re
import time
import uuid

import structlog
from flask import Blueprint, Flask, Response, g, jsonify, request

from shop_monolith.web import dependencies

log = structlog.get_logger("shop.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

health = Blueprint("health", __name__)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(health)


def _start() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex
    g.started = time.perf_counter()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        "request",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=round(elapsed_ms, 2),
    )
    return response


@health.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    try:
        dependencies.ping()
    except Exception as error:
        log.warning("not_ready", error=str(error))
        return jsonify(status="unavailable", reason="database unreachable"), 503
    return jsonify(status="ready"), 200
