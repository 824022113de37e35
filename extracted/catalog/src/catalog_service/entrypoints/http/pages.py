"""A page of products as the contract shows it, with links that keep the query."""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from catalog_service.domain.published import product_json
from catalog_service.service_layer.unit_of_work import Page


def page_json(request: Request, result: Page) -> dict[str, Any]:
    return {
        "items": [product_json(item) for item in result.items],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
        "links": {
            "self": _link(request, result.page, result.per_page),
            "next": _link(request, result.page + 1, result.per_page) if result.has_next else None,
            "prev": _link(request, result.page - 1, result.per_page) if result.has_prev else None,
        },
    }


def _link(request: Request, number: int, per_page: int) -> str:
    query: dict[str, str] = {}
    for key, value in request.query_params.multi_items():  # the first value of each, in order
        if key not in ("page", "per_page") and key not in query:
            query[key] = value
    query.update(page=str(number), per_page=str(per_page))
    return f"{request.scope['path']}?{urlencode(query)}"
