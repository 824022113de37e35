from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from flask import Response, jsonify

from shop_monolith.web.api import bp


@cache
def document() -> dict[str, Any]:
    text = files("shop_monolith.web.api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(document())
