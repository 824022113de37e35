"""The public catalog: categories, product search and product detail."""

import re

from fastapi import APIRouter, Request, Response

from catalog_service.domain.published import category_json, product_json
from catalog_service.entrypoints.http.deps import CatalogDep
from catalog_service.entrypoints.http.pages import page_json
from catalog_service.entrypoints.http.rendering import ShopJSONResponse
from catalog_service.entrypoints.http.requests import pagination, path_uuid, query_int, query_str
from catalog_service.entrypoints.http.routing import get
from catalog_service.service_layer.unit_of_work import SORTS, ProductQuery

router = APIRouter()
MAX_PRICE = 100_000_000
_SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f]+")


def search_words(q: str) -> tuple[str, ...]:
    """Words of a search; control characters (NUL included) separate words like spaces do."""
    return tuple(word for word in _SEPARATORS.split(q) if word)[:10]


@get(router, "/api/v1/categories", operation_id="listCategories")
def list_categories(catalog: CatalogDep) -> Response:
    return ShopJSONResponse({"items": [category_json(item) for item in catalog.list_categories()]})


@get(router, "/api/v1/categories/{category_id}", operation_id="getCategory")
def get_category(category_id: str, catalog: CatalogDep) -> Response:
    found = catalog.get_category(path_uuid(category_id, "category_id"))
    return ShopJSONResponse(category_json(found))


@get(router, "/api/v1/products", operation_id="listProducts")
def list_products(request: Request, catalog: CatalogDep) -> Response:
    page, per_page = pagination(request)
    q = query_str(request, "q", max_length=100, allow_nul=True) or ""
    query = ProductQuery(
        words=search_words(q),
        category_slug=query_str(request, "category", max_length=64),
        min_price=query_int(request, "min_price", default=None, minimum=0, maximum=MAX_PRICE),
        max_price=query_int(request, "max_price", default=None, minimum=0, maximum=MAX_PRICE),
        sort=query_str(request, "sort", max_length=10, choices=SORTS) or "name",
        page=page,
        per_page=per_page,
    )
    return ShopJSONResponse(page_json(request, catalog.search_products(query)))


@get(router, "/api/v1/products/{product_id}", operation_id="getProduct")
def get_product(product_id: str, catalog: CatalogDep) -> Response:
    found = catalog.get_product(path_uuid(product_id, "product_id"))
    return ShopJSONResponse(product_json(found))
