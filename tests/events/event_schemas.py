"""The event contract (contract/events/): validates message bodies as published.

Every body is an envelope (envelope.v1.json) whose `data` matches the schema named by its
source, type and schema version: contract/events/<source>/<type>.v<N>.json.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

EVENTS = Path(__file__).resolve().parents[2] / "contract" / "events"


@cache
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(EVENTS.rglob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def _validator(relative: str) -> Draft202012Validator:
    schema = json.loads((EVENTS / relative).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def schema_path(source: str, event_type: str, version: int) -> str:
    return f"{source}/{event_type}.v{version}.json"


def published_types() -> set[tuple[str, str]]:
    """Every (source, type) the contract describes."""
    return {
        (path.parent.name, path.name.split(".v")[0])
        for path in EVENTS.glob("*/*.json")
    }


def validate(body: str | bytes) -> dict[str, Any]:
    """The parsed envelope; raises jsonschema.ValidationError (or FileNotFoundError for an
    event the contract does not describe)."""
    envelope: dict[str, Any] = json.loads(body)
    _validator("envelope.v1.json").validate(envelope)
    path = schema_path(envelope["source"], envelope["type"], envelope["schema_version"])
    _validator(path).validate(envelope["data"])
    return envelope
