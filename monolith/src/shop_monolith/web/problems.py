"""RFC 9457 problem details for every error the API answers."""

from typing import Any

import structlog
from flask import Flask, Response, json, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from shop_monolith.shared.errors import (
    CheckoutInProgress,
    ServiceError,
    TooManyAttempts,
    ValidationFailed,
    WritesElsewhere,
)

TYPE_BASE = "https://shop.example/problems/"
log = structlog.get_logger(__name__)

# code -> (status, title). The code is the last segment of the problem's type URI.
PROBLEMS: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "idempotency-key-missing": (400, "Idempotency-Key header missing"),
    "unauthorized": (401, "Authentication required"),
    "invalid-credentials": (401, "Invalid credentials"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "email-taken": (409, "Email already registered"),
    "sku-taken": (409, "SKU already in use"),
    "slug-taken": (409, "Slug already in use"),
    "insufficient-stock": (409, "Insufficient stock"),
    "basket-empty": (409, "Basket is empty"),
    "checkout-in-progress": (409, "Checkout in progress"),
    "order-not-cancellable": (409, "Order cannot be cancelled"),
    "order-not-shippable": (409, "Order cannot be shipped"),
    "idempotency-key-in-use": (409, "Idempotency-Key in use"),
    "writes-elsewhere": (409, "Catalog writes are owned elsewhere"),
    "payload-too-large": (413, "Payload too large"),
    "uri-too-long": (414, "Request target too long"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "expectation-failed": (417, "Expectation failed"),
    "validation-error": (422, "Validation failed"),
    "idempotency-key-reused": (422, "Idempotency-Key reused"),
    "too-many-login-attempts": (429, "Too many login attempts"),
    "headers-too-large": (431, "Request headers too large"),
    "internal-error": (500, "Internal server error"),
    "not-implemented": (501, "Not implemented"),
}
HTTP_CODES = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


class ApiProblem(Exception):
    """A problem the web layer itself finds (bad query parameter, missing header...)."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.detail, self.extra = code, detail, extra


def problem(code: str, detail: str, **extra: Any) -> Response:
    status, title = PROBLEMS[code]
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shop"'
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiProblem, _on_api_problem)
    app.register_error_handler(ServiceError, _on_service_error)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(Exception, _on_unexpected)


def _wants_json() -> bool:
    # No page can be rendered without a URL adapter (Flask refused the Host): answer a problem.
    return request.path.startswith("/api/") or request_ctx.url_adapter is None


def _on_api_problem(error: ApiProblem) -> Response:
    return problem(error.code, error.detail, **error.extra)


def _on_service_error(error: ServiceError) -> Response | tuple[str, int]:
    extra: dict[str, Any] = {}
    if isinstance(error, ValidationFailed):
        extra["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    if isinstance(error, CheckoutInProgress):
        extra["order_id"] = str(error.order_id)
    if isinstance(error, WritesElsewhere):
        extra["owner"] = error.owner
    headers = {}
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    if not _wants_json():
        status = PROBLEMS.get(error.code, (400, ""))[0]
        return render_template("error.html", status=status, detail=error.detail), status
    response = problem(
        error.code if error.code in PROBLEMS else "malformed-request", error.detail, **extra
    )
    response.headers.update(headers)
    return response


def _on_http_exception(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    if not _wants_json():
        return render_template("error.html", status=status, detail=error.description), status
    code = HTTP_CODES.get(status, "malformed-request" if status < 500 else "internal-error")
    detail = error.description or PROBLEMS[code][1]
    if status == 404:
        detail = "No resource exists at this URL."
    response = problem(code, detail)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _on_unexpected(error: Exception) -> Response | tuple[str, int]:
    log.exception("unhandled_error", error=repr(error))
    if not _wants_json():
        return render_template("error.html", status=500, detail="Something went wrong."), 500
    return problem("internal-error", "The shop could not handle this request.")
