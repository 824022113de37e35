import re

from flask import Response, jsonify

from shop_monolith.catalog import facade as catalog
from shop_monolith.web import dependencies
from shop_monolith.web.api import bp, serializers
from shop_monolith.web.requests import pagination, path_uuid, query_int, query_str

MAX_PRICE = 100_000_000
_SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f]+")


def search_words(q: str) -> tuple[str, ...]:
    """Words of a search; control characters (NUL included) separate words like spaces do."""
    return tuple(word for word in _SEPARATORS.split(q) if word)[:10]


@bp.get("/categories")
def list_categories() -> Response:
    items = catalog.list_categories(dependencies.session())
    return jsonify(items=[serializers.category(item) for item in items])


@bp.get("/products")
def list_products() -> Response:
    page, per_page = pagination()
    q = query_str("q", max_length=100, allow_nul=True) or ""
    result = catalog.search_products(
        dependencies.session(),
        words=search_words(q),
        category_slug=query_str("category", max_length=64),
        min_price=query_int("min_price", default=None, minimum=0, maximum=MAX_PRICE),
        max_price=query_int("max_price", default=None, minimum=0, maximum=MAX_PRICE),
        sort=query_str("sort", max_length=10, choices=catalog.SORTS) or "name",
        page=page,
        per_page=per_page,
    )
    return jsonify(serializers.page(result, serializers.product))


@bp.get("/products/<product_id>")
def get_product(product_id: str) -> Response:
    item = catalog.get_product(dependencies.session(), path_uuid(product_id, "product_id"))
    return jsonify(serializers.product(item))


@bp.get("/categories/<category_id>")
def get_category(category_id: str) -> Response:
    item = catalog.get_category(dependencies.session(), path_uuid(category_id, "category_id"))
    return jsonify(serializers.category(item))
