"""Calling the service's HTTP app in-process, and checking its answers against the shop's
contract (contract/openapi.yaml): what a route answers must be what the contract says."""

import asyncio
import functools
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import jwt
import yaml
from fastapi import FastAPI

CONTRACT = Path(__file__).resolve().parents[4] / "contract" / "openapi.yaml"
SECRET = "catalog-unit-tests-signing-key-0123456789"


class AsgiClient:
    """A synchronous client of an ASGI app, one event loop per request."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://localhost"
            ) as client:
                return await client.request(method, path, **options)

        return asyncio.run(send())


def token(role: str = "admin", *, secret: str = SECRET, expires_in: int = 60) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "role": role,
        "iss": "shop",
        "iat": now,
        "exp": now + timedelta(seconds=expires_in),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(role: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


@functools.cache
def contract() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return loaded


def template_of(method: str, path: str) -> str | None:
    """The contract's path template that `path` matches for `method`, if any."""
    for template, item in contract()["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in item:
            return str(template)
    return None


def violations(response: httpx.Response) -> list[str]:
    """How the answer breaks the contract's response for its operation and status."""
    request = response.request
    method = "get" if request.method == "HEAD" else request.method.lower()
    template = template_of(method, request.url.path)
    if template is None:
        return [f"{request.method} {request.url.path} is not in the contract"]
    responses = contract()["paths"][template][method]["responses"]
    documented = _resolve(responses.get(str(response.status_code), {}))
    if not documented:
        return [f"{response.status_code} is not documented for {method.upper()} {template}"]
    media = response.headers.get("content-type", "").split(";")[0]
    content = documented.get("content", {})
    if media not in content:
        return [f"{media!r} is not documented for {response.status_code}"]
    schema = {**contract(), **content[media]["schema"]}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(response.json())]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = contract()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
