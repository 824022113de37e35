"""Assertions on RFC 9457 problem details, with failure messages that show the exchange."""

from __future__ import annotations

from typing import Any

import httpx
from spec import assert_conforms

PROBLEM_TYPE_BASE = "https://shop.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def describe(response: httpx.Response) -> str:
    """One readable line per side of the exchange, for assertion messages."""
    request = response.request
    sent = request.content[:300].decode("utf-8", "replace") if request.content else ""
    return (
        f"\n  request:  {request.method} {request.url} {sent}"
        f"\n  response: {response.status_code} {response.headers.get('content-type')} "
        f"{response.text[:600]}"
    )


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def assert_status(response: httpx.Response, *expected: int) -> None:
    assert response.status_code in expected, f"expected {expected}:{describe(response)}"


def assert_problem(
    response: httpx.Response, status: int, slug: str, *, field: str | None = None
) -> dict[str, Any]:
    """The response is the problem `slug` with `status`; with `field`, its errors name it."""
    body = assert_any_problem(response, status)
    assert body["type"] == PROBLEM_TYPE_BASE + slug, f"expected problem {slug}:{describe(response)}"
    if field is not None:
        fields = [error["field"] for error in body.get("errors", [])]
        assert field in fields, f"expected an error on {field!r}, got {fields}:{describe(response)}"
    if status == 401:
        challenge = response.headers.get("www-authenticate", "")
        if slug == "unauthorized":
            assert challenge.lower().startswith("bearer"), (
                f"no Bearer challenge:{describe(response)}"
            )
    return body


def assert_any_problem(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """The response is some 4xx problem (never a 5xx, never a bare HTML error page)."""
    if status is None:
        assert 400 <= response.status_code < 500, f"expected a 4xx:{describe(response)}"
    else:
        assert response.status_code == status, f"expected {status}:{describe(response)}"
    assert media_type(response) == PROBLEM_MEDIA_TYPE, f"not a problem:{describe(response)}"
    body = response.json()
    assert_conforms(body, "Problem")
    assert body["status"] == response.status_code, f"status differs:{describe(response)}"
    assert body["type"].startswith(PROBLEM_TYPE_BASE), f"type is not ours:{describe(response)}"
    assert body["title"], f"empty title:{describe(response)}"
    if body["type"] == PROBLEM_TYPE_BASE + "validation-error":
        assert body.get("errors"), f"validation error without errors:{describe(response)}"
    return body


def assert_ok_or_problem(response: httpx.Response) -> None:
    """Either a normal 2xx answer or a 4xx problem; anything else (a 5xx) fails."""
    if not 200 <= response.status_code < 300:
        assert_any_problem(response)
