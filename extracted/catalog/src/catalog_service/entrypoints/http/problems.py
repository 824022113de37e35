"""RFC 9457 problem details, with the types, titles and details the monolith answered, so
that a client cannot tell which side served it (ADR-0017)."""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from catalog_service.domain.errors import (
    CatalogError,
    InvalidValue,
    NotFound,
    SkuTaken,
    SlugTaken,
    WritesElsewhere,
)

TYPE_BASE = "https://shop.example/problems/"
MEDIA_TYPE = "application/problem+json"

PROBLEMS: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "unauthorized": (401, "Authentication required"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "sku-taken": (409, "SKU already in use"),
    "slug-taken": (409, "Slug already in use"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-error": (422, "Validation failed"),
    "internal-error": (500, "Internal server error"),
    "writes-elsewhere": (409, "Catalog writes are owned elsewhere"),
}
_DETAILS = {
    404: ("not-found", "No resource exists at this URL."),
    405: ("method-not-allowed", "The method is not allowed for the requested URL."),
}


class ApiProblem(Exception):
    """A problem the HTTP layer itself finds (a bad query parameter, a missing token...)."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.detail, self.extra = code, detail, extra


class InvalidBody(Exception):
    """The body parsed but broke its schema: (field, message) pairs, answered 422."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def problem(request: Request, code: str, detail: str, **extra: Any) -> Response:
    return problem_response(request.scope["path"], code, detail, **extra)


def problem_response(path: str, code: str, detail: str, **extra: Any) -> Response:
    status, title = PROBLEMS[code]
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
        **extra,
    }
    # As Flask's json.dumps wrote the monolith's problems: ASCII, ", " and ": " between items.
    response = Response(json.dumps(body).encode(), status_code=status, media_type=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shop"'
    if status == 413:  # the rest of the body stays unread: the connection cannot go on
        response.headers["Connection"] = "close"
    return response


def validation_failed(request: Request, errors: list[tuple[str, str]]) -> Response:
    listed = [{"field": field, "message": message} for field, message in errors]
    detail = "; ".join(f"{field}: {message}" for field, message in errors)
    return problem(request, "validation-error", detail, errors=listed)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _on_api_problem)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidBody, _on_invalid_body)  # type: ignore[arg-type]
    app.add_exception_handler(CatalogError, _on_catalog_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


def _on_api_problem(request: Request, error: ApiProblem) -> Response:
    return problem(request, error.code, error.detail, **error.extra)


def _on_invalid_body(request: Request, error: InvalidBody) -> Response:
    return validation_failed(request, error.errors)


def _on_catalog_error(request: Request, error: CatalogError) -> Response:
    match error:
        case InvalidValue(field=field, message=message):
            return validation_failed(request, [(field, message)])
        case NotFound():
            return problem(request, "not-found", str(error))
        case SkuTaken():
            return problem(request, "sku-taken", str(error))
        case SlugTaken():
            return problem(request, "slug-taken", str(error))
        case WritesElsewhere():
            return problem(request, "writes-elsewhere", str(error), owner=error.owner)
    return problem(request, "malformed-request", str(error))


def _on_http_exception(request: Request, error: HTTPException) -> Response:
    code, detail = _DETAILS.get(error.status_code, ("malformed-request", str(error.detail)))
    response = problem(request, code, detail)
    if error.status_code == 405:
        allowed = request.app.state.methods.allowed(request.scope["path"])
        if allowed:
            response.headers["Allow"] = allowed
    return response


def _on_unexpected(request: Request, error: Exception) -> Response:
    import structlog

    structlog.get_logger(__name__).exception("unhandled_error", error=repr(error))
    return problem(request, "internal-error", "The shop could not handle this request.")
