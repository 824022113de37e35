"""The committed OpenAPI document, read as data: its operations and its schemas."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@functools.cache
def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (`#/components/...`) to the object it names."""
    while "$ref" in node:
        target: Any = load_spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    tags: tuple[str, ...]
    secured: bool
    has_body: bool
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    required_headers: tuple[str, ...]
    integer_query_params: tuple[str, ...] = ()

    @property
    def admin_only(self) -> bool:
        return "admin" in self.tags or self.path.startswith("/api/v1/admin/")

    def url(self, **path_values: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda match: path_values[match.group(1)], self.path)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


@functools.cache
def operations() -> tuple[Operation, ...]:
    spec = load_spec()
    found = []
    for path, item in spec["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            params = shared + [resolve(p) for p in op.get("parameters", [])]
            found.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=op["operationId"],
                    tags=tuple(op.get("tags", ())),
                    secured=bool(op.get("security", spec.get("security", []))),
                    has_body="requestBody" in op,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    required_headers=tuple(
                        p["name"] for p in params if p["in"] == "header" and p.get("required")
                    ),
                    integer_query_params=tuple(
                        p["name"]
                        for p in params
                        if p["in"] == "query" and p.get("schema", {}).get("type") == "integer"
                    ),
                )
            )
    return tuple(found)


def select(**flags: bool) -> list[Operation]:
    """Operations whose attributes (secured, admin_only, has_body) equal the given flags."""
    return [op for op in operations() if all(getattr(op, k) == v for k, v in flags.items())]


def with_path_params() -> list[Operation]:
    return [op for op in operations() if op.path_params]


@functools.cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    root = {**load_spec(), "$ref": f"#/components/schemas/{schema_name}"}
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_conforms(instance: Any, schema_name: str) -> None:
    """Fail with every violation when `instance` does not match components/schemas/<name>."""
    errors = sorted(_validator(schema_name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{schema_name} violated: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors
    )
