"""Request ids, trace context and access logs, as the monolith has them: a plain ASGI
middleware (no copy of the body, no task of its own)."""

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog_service.tracing import span

log = structlog.get_logger("catalog.access")
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
TRACE_HEADERS = (b"traceparent", b"tracestate")  # W3C trace context


class Observed:
    """Each request: its `X-Request-ID` (the caller's, if valid, else a new one) echoed on the
    answer and bound to its log lines, a span joining the caller's trace, an access log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        offered = headers.get(b"x-request-id", b"")
        request_id = offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex.encode()
        carrier = {n.decode(): headers[n].decode("latin-1") for n in TRACE_HEADERS if n in headers}
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        with span(f"{scope['method']} {scope['path']}", carrier) as trace_id:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(
                request_id=request_id.decode(), trace_id=trace_id
            )
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
