"""Request ids, trace context, access logs and health endpoints."""

import re
import time
import uuid
from contextlib import ExitStack

import structlog
from flask import Blueprint, Flask, Response, g, jsonify, request

from shop_monolith.shared import tracing
from shop_monolith.web import dependencies

log = structlog.get_logger("shop.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TRACE_HEADERS = ("traceparent", "tracestate")  # W3C trace context

health = Blueprint("health", __name__)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end_span)
    app.register_blueprint(health)


def _start() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex
    g.started = time.perf_counter()
    g.span = ExitStack()  # the request's span: a child of the caller's traceparent, if sent
    carrier = {name: request.headers[name] for name in TRACE_HEADERS if name in request.headers}
    trace_id = g.span.enter_context(tracing.span(f"{request.method} {request.path}", carrier))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id, trace_id=trace_id)


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


def _end_span(_error: BaseException | None) -> None:
    span: ExitStack | None = g.pop("span", None)
    if span is not None:
        span.close()


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
