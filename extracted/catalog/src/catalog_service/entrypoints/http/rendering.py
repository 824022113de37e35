"""JSON as the monolith's Flask wrote it: keys in their order, compact, ASCII only."""

import json
from typing import Any

from fastapi.responses import Response


def dumps(body: Any) -> bytes:
    return json.dumps(body, sort_keys=False, separators=(",", ":"), ensure_ascii=True).encode()


class ShopJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content) + b"\n"
