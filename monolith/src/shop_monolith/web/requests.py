"""Turning HTTP requests into validated, plain Python values (or precise problems)."""

import re
import uuid
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shop_monolith.ordering import facade as orders
from shop_monolith.shared.errors import FieldError, ValidationFailed
from shop_monolith.web import dependencies
from shop_monolith.web.problems import ApiProblem

M = TypeVar("M", bound=BaseModel)
# ASCII digits only, an optional minus, at most 12 digits: no "+1", " 1", "1e3" or other
# scripts' digits, which str.isdigit() and int() would accept.
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def json_body(model: type[M]) -> M:
    """Parse and validate a JSON body: 415 if not JSON, 400 if unparsable, 422 if invalid."""
    if not request.mimetype or not (
        request.mimetype == "application/json" or request.mimetype.endswith("+json")
    ):
        raise ApiProblem("unsupported-media-type", "Send the body as application/json.")
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            raise ApiProblem("malformed-request", "The body is not valid JSON.") from error
        if any(e["type"] == "model_type" and not e["loc"] for e in error.errors()):
            raise ValidationFailed(
                [FieldError("(body)", "The body must be a JSON object.")]
            ) from error
        raise ValidationFailed([_field_error(e) for e in error.errors()]) from error


def _field_error(error: ErrorDetails) -> FieldError:
    field = ".".join(str(part) for part in error["loc"]) or "(body)"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "Unknown field."
    return FieldError(field, message)


def path_uuid(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise ApiProblem(
            "malformed-request",
            f"{name} must be a UUID.",
            errors=[{"field": name, "message": "Not a UUID."}],
        ) from error


def query_int(name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = strict_int(raw)
    if value is None:
        raise _bad_query(name, "must be a whole number written with the digits 0-9")
    if not minimum <= value <= maximum:
        raise _bad_query(name, f"must be between {minimum} and {maximum}")
    return value


def strict_int(raw: str) -> int | None:
    """The integer `raw` spells in plain ASCII digits, or None: the one parser for numbers."""
    return int(raw) if _INTEGER.fullmatch(raw) else None


def query_str(
    name: str, *, max_length: int, choices: tuple[str, ...] = (), allow_nul: bool = False
) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_length:
        raise _bad_query(name, f"must be at most {max_length} characters")
    if "\x00" in value and not allow_nul:
        raise _bad_query(name, "must not contain NUL characters")
    if choices and value not in choices:
        raise _bad_query(name, f"must be one of {', '.join(choices)}")
    return value


def query_bool(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise _bad_query(name, "must be true or false")
    return value == "true"


def pagination() -> tuple[int, int]:
    page = query_int("page", default=1, minimum=1, maximum=100_000)
    per_page = query_int("per_page", default=20, minimum=1, maximum=100)
    assert page is not None and per_page is not None
    return page, per_page


def idempotency_key() -> str:
    """The Idempotency-Key header a money-moving API request must send."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise ApiProblem(
            "idempotency-key-missing", "Send an Idempotency-Key header (a UUID will do)."
        )
    if not _IDEMPOTENCY_KEY.match(key):
        raise ApiProblem(
            "malformed-request",
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            errors=[{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}],
        )
    return key


def request_fingerprint(body: object = None) -> str:
    """A keyed digest of this request (method, path and `body`), kept with its Idempotency-Key.

    A repeat under the same key must have the same digest, so `body` leaves out what a repeat
    may change (the CVC).
    """
    secret = dependencies.settings().secret_key
    return orders.fingerprint(request.method, request.path, body, secret=secret)


def _bad_query(name: str, message: str) -> ApiProblem:
    return ApiProblem(
        "malformed-request",
        f"Query parameter {name} {message}.",
        errors=[{"field": name, "message": message}],
    )
