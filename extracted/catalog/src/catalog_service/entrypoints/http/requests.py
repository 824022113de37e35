"""Turning HTTP requests into validated, plain values, or the problem that says what is
wrong: the same rules, messages and problem types as the contract's other routes."""

import re
import uuid
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from catalog_service.entrypoints.http.problems import ApiProblem, InvalidBody

M = TypeVar("M", bound=BaseModel)
# ASCII digits only, an optional minus, at most 12 digits: no "+1", " 1", "1e3" or other
# scripts' digits, which int() would take.
_INTEGER = re.compile(r"-?[0-9]{1,12}")
TOO_LARGE = "The data value transmitted exceeds the capacity limit."


def first(request: Request, name: str) -> str | None:
    """The first value of a query parameter, as Flask's `request.args.get` answered it."""
    for key, value in request.query_params.multi_items():
        if key == name:
            return value
    return None


async def json_body(request: Request, model: type[M], *, limit: int) -> M:
    """Parse and validate a JSON body: 415 if not JSON, 413 past `limit`, 400 if unparsable,
    422 if invalid."""
    mimetype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not mimetype or not (mimetype == "application/json" or mimetype.endswith("+json")):
        raise ApiProblem("unsupported-media-type", "Send the body as application/json.")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ApiProblem("payload-too-large", TOO_LARGE)  # at once: the body stays unread
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise ApiProblem("payload-too-large", TOO_LARGE)
    try:
        return model.model_validate_json(bytes(raw))
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            raise ApiProblem("malformed-request", "The body is not valid JSON.") from error
        if any(e["type"] == "model_type" and not e["loc"] for e in error.errors()):
            raise InvalidBody([("(body)", "The body must be a JSON object.")]) from error
        raise InvalidBody([_field_error(e) for e in error.errors()]) from error


def _field_error(error: ErrorDetails) -> tuple[str, str]:
    field = ".".join(str(part) for part in error["loc"]) or "(body)"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "Unknown field."
    return field, message


def path_uuid(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise ApiProblem(
            "malformed-request",
            f"{name} must be a UUID.",
            errors=[{"field": name, "message": "Not a UUID."}],
        ) from error


def query_int(
    request: Request, name: str, *, default: int | None, minimum: int, maximum: int
) -> int | None:
    raw = first(request, name)
    if raw is None or raw == "":
        return default
    value = int(raw) if _INTEGER.fullmatch(raw) else None
    if value is None:
        raise _bad_query(name, "must be a whole number written with the digits 0-9")
    if not minimum <= value <= maximum:
        raise _bad_query(name, f"must be between {minimum} and {maximum}")
    return value


def query_str(
    request: Request,
    name: str,
    *,
    max_length: int,
    choices: tuple[str, ...] = (),
    allow_nul: bool = False,
) -> str | None:
    value = first(request, name)
    if value is None or value == "":
        return None
    if len(value) > max_length:
        raise _bad_query(name, f"must be at most {max_length} characters")
    if "\x00" in value and not allow_nul:
        raise _bad_query(name, "must not contain NUL characters")
    if choices and value not in choices:
        raise _bad_query(name, f"must be one of {', '.join(choices)}")
    return value


def query_bool(request: Request, name: str) -> bool | None:
    value = first(request, name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise _bad_query(name, "must be true or false")
    return value == "true"


def pagination(request: Request) -> tuple[int, int]:
    page = query_int(request, "page", default=1, minimum=1, maximum=100_000)
    per_page = query_int(request, "per_page", default=20, minimum=1, maximum=100)
    assert page is not None and per_page is not None
    return page, per_page


def _bad_query(name: str, message: str) -> ApiProblem:
    return ApiProblem(
        "malformed-request",
        f"Query parameter {name} {message}.",
        errors=[{"field": name, "message": message}],
    )
