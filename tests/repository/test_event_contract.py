"""contract/events/ is a set of valid JSON Schemas whose references all resolve."""

import json

import pytest
from event_schemas import EVENTS, published_types, validate
from jsonschema import ValidationError

ENVELOPE = {
    "id": "0b5d3c4e-6a4f-4a39-9a53-2f3a5b0b5f11",
    "type": "category_created",
    "schema_version": 1,
    "source": "catalog",
    "aggregate_type": "category",
    "aggregate_id": "5a1e2f3b-9c4d-4e5f-8a6b-7c8d9e0f1a2b",
    "sequence": 1,
    "occurred_at": "2026-12-05T10:00:00.123456Z",
    "traceparent": None,
    "data": {"id": "5a1e2f3b-9c4d-4e5f-8a6b-7c8d9e0f1a2b", "slug": "lamps", "name": "Lamps"},
}


def test_every_event_schema_is_named_for_its_place_and_version() -> None:
    for path in EVENTS.glob("*/*.json"):
        schema = json.loads(path.read_text())
        assert schema["$id"].endswith(f"/{path.parent.name}/{path.name}"), path
        assert ".v" in path.name and path.name.endswith(".json")
    assert ("catalog", "product_created") in published_types()


def test_a_well_formed_event_passes() -> None:
    assert validate(json.dumps(ENVELOPE))["type"] == "category_created"


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 0},
        {"traceparent": "not-a-traceparent"},
        {"occurred_at": "2026-12-05 10:00:00"},
        {"data": {"id": "5a1e2f3b-9c4d-4e5f-8a6b-7c8d9e0f1a2b", "slug": "lamps"}},
        {"data": {**ENVELOPE["data"], "extra": 1}},  # type: ignore[dict-item]
        {"unknown": "field"},
    ],
)
def test_a_malformed_event_fails(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        validate(json.dumps({**ENVELOPE, **change}))


def test_an_event_the_contract_does_not_describe_fails() -> None:
    with pytest.raises(FileNotFoundError):
        validate(json.dumps({**ENVELOPE, "type": "category_vanished"}))
