"""The served document is the contract, and it describes exactly the routes the app has."""

import re
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient

CONTRACT = Path(__file__).parents[3] / "contract" / "openapi.yaml"
UNDOCUMENTED = {"/api/v1/openapi.json"}  # the document does not describe itself


def app_operations(app: Flask) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        operations |= {
            (m.lower(), path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")
        }
    return operations


def documented_operations() -> set[tuple[str, str]]:
    paths = yaml.safe_load(CONTRACT.read_text())["paths"]
    return {
        (method, path) for path, item in paths.items() for method in item if method != "parameters"
    }


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    assert app_operations(app) == documented_operations()


def test_the_served_document_is_the_committed_contract(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json == yaml.safe_load(CONTRACT.read_text())
