"""The public catalog: categories, product search, filters, sorting, pagination, detail."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from client import (
    API,
    CURRENCY,
    ShopClient,
    adjust_stock,
    create_category,
    create_product,
    deactivate_product,
    unique_hex,
    unique_word,
)
from problems import assert_problem, assert_status
from spec import assert_conforms


def search(anon: ShopClient, **params: Any) -> dict[str, Any]:
    response = anon.get(f"{API}/products", params=params)
    assert_status(response, 200)
    page = response.json()
    assert_conforms(page, "ProductPage")
    return page


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


def test_categories_list_includes_a_new_category_in_name_order(
    anon: ShopClient, admin: ShopClient
) -> None:
    tag = unique_hex()
    later = create_category(admin, name=f"Zz contract {tag}")
    earlier = create_category(admin, name=f"Aa contract {tag}")
    response = anon.get(f"{API}/categories")
    assert_status(response, 200)
    items = response.json()["items"]
    for category in items:
        assert_conforms(category, "Category")
    ids = [category["id"] for category in items]
    assert ids.index(earlier["id"]) < ids.index(later["id"])
    assert {"id": later["id"], "slug": later["slug"], "name": later["name"]} in [
        {k: c[k] for k in ("id", "slug", "name")} for c in items
    ]


def test_one_category_by_id(anon: ShopClient, admin: ShopClient) -> None:
    category = create_category(admin)
    response = anon.get(f"{API}/categories/{category['id']}")
    assert_status(response, 200)
    assert_conforms(response.json(), "Category")
    assert response.json() == category
    assert_problem(anon.get(f"{API}/categories/{uuid.uuid4()}"), 404, "not-found")


def test_only_active_products_are_listed(anon: ShopClient, admin: ShopClient) -> None:
    word = unique_word()
    kept = create_product(admin, name=f"Kept {word}")
    gone = create_product(admin, name=f"Gone {word}")
    deactivate_product(admin, gone["id"])
    page = search(anon, q=word)
    assert [item["id"] for item in page["items"]] == [kept["id"]]
    assert page["total"] == 1


def test_search_is_case_insensitive_over_name_description_and_sku(
    anon: ShopClient, admin: ShopClient
) -> None:
    word = unique_word()
    by_name = create_product(admin, name=f"Lamp {word.upper()}")
    by_description = create_product(admin, description=f"A sturdy {word} for the desk.")
    by_sku = create_product(admin)
    found = {item["id"] for item in search(anon, q=word)["items"]}
    assert found == {by_name["id"], by_description["id"]}
    assert {item["id"] for item in search(anon, q=word.upper())["items"]} == found
    sku_hits = search(anon, q=by_sku["sku"].lower())["items"]
    assert [item["id"] for item in sku_hits] == [by_sku["id"]]


def test_search_needs_every_word(anon: ShopClient, admin: ShopClient) -> None:
    first, second = unique_word(), unique_word()
    both = create_product(admin, name=f"Chair {first} {second}")
    create_product(admin, name=f"Chair {first}")
    page = search(anon, q=f"{second} {first}")
    assert [item["id"] for item in page["items"]] == [both["id"]]


def test_category_filter_uses_the_slug(anon: ShopClient, admin: ShopClient) -> None:
    word = unique_word()
    category = create_category(admin)
    inside = {
        create_product(admin, name=f"In {word} {n}", category_id=category["id"])["id"]
        for n in range(2)
    }
    create_product(admin, name=f"Out {word}")
    page = search(anon, q=word, category=category["slug"])
    assert {item["id"] for item in page["items"]} == inside
    assert all(item["category"]["slug"] == category["slug"] for item in page["items"])
    assert search(anon, q=word, category=f"no-such-{unique_hex()}")["items"] == []


def test_price_bounds_are_inclusive(anon: ShopClient, admin: ShopClient) -> None:
    word = unique_word()
    for price in (1000, 2000, 3000):
        create_product(admin, name=f"Priced {price} {word}", price=price)

    def prices(**bounds: int) -> list[int]:
        page = search(anon, q=word, sort="price", **bounds)
        return [item["price"]["amount"] for item in page["items"]]

    assert prices(min_price=2000) == [2000, 3000]
    assert prices(max_price=2000) == [1000, 2000]
    assert prices(min_price=2000, max_price=2000) == [2000]
    assert prices(min_price=3001) == []


@pytest.fixture
def sortable(admin: ShopClient) -> tuple[str, list[dict[str, Any]]]:
    """Three products created in this order, named and priced in different orders."""
    word = unique_word()
    made = [
        create_product(admin, name=f"Bravo {word}", price=300),
        create_product(admin, name=f"Charlie {word}", price=100),
        create_product(admin, name=f"Alpha {word}", price=200),
    ]
    return word, made


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Alpha", "Bravo", "Charlie"]),
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("price", ["Charlie", "Alpha", "Bravo"]),
        ("-price", ["Bravo", "Alpha", "Charlie"]),
        ("newest", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_sort_orders(
    anon: ShopClient,
    sortable: tuple[str, list[dict[str, Any]]],
    sort: str | None,
    expected: list[str],
) -> None:
    word, _ = sortable
    params = {"q": word} if sort is None else {"q": word, "sort": sort}
    assert [name.split()[0] for name in names(search(anon, **params))] == expected


def test_pagination_links_keep_the_query_and_walk_every_page(
    anon: ShopClient, admin: ShopClient
) -> None:
    word = unique_word()
    made = {create_product(admin, name=f"Paged {n} {word}")["id"] for n in range(5)}

    first = search(anon, q=word, per_page=2)
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert first["links"]["prev"] is None
    assert len(first["items"]) == 2

    seen, page, visited = [], first, 0
    while True:
        seen += [item["id"] for item in page["items"]]
        visited += 1
        link = page["links"]["next"]
        if link is None:
            break
        url = urlsplit(link)
        assert not url.scheme and url.path == f"{API}/products", link
        query = parse_qs(url.query)
        assert query["q"] == [word] and query["per_page"] == ["2"], link
        response = anon.get(link)
        assert_status(response, 200)
        page = response.json()
        assert page["links"]["prev"] is not None
        assert parse_qs(urlsplit(page["links"]["self"]).query)["page"] == [str(page["page"])]
    assert visited == 3
    assert sorted(seen) == sorted(made)
    assert len(page["items"]) == 1


def test_a_page_beyond_the_end_is_empty(anon: ShopClient, admin: ShopClient) -> None:
    word = unique_word()
    create_product(admin, name=f"Lonely {word}")
    page = search(anon, q=word, page=7)
    assert page["items"] == []
    assert page["total"] == 1
    assert page["links"]["next"] is None


def test_default_paging(anon: ShopClient) -> None:
    page = search(anon)
    assert (page["page"], page["per_page"]) == (1, 20)
    assert len(page["items"]) <= 20
    assert search(anon, per_page=100)["per_page"] == 100


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "-1"},
        {"max_price": "-1"},
        {"min_price": "cheap"},
        {"max_price": "100000001"},
        {"sort": "bogus"},
        {"sort": "price,name"},
        {"q": "x" * 101},
    ],
    ids=lambda p: "&".join(f"{k}={v[:12]}" for k, v in p.items()),
)
def test_bad_query_parameters_are_malformed_requests(
    anon: ShopClient, params: dict[str, str]
) -> None:
    assert_problem(anon.get(f"{API}/products", params=params), 400, "malformed-request")


def test_product_detail(anon: ShopClient, admin: ShopClient) -> None:
    category = create_category(admin)
    made = create_product(admin, price=4599, category_id=category["id"])
    response = anon.get(f"{API}/products/{made['id']}")
    assert_status(response, 200)
    product = response.json()
    assert_conforms(product, "Product")
    assert product["id"] == made["id"]
    assert product["sku"] == made["sku"]
    assert product["price"] == {"amount": 4599, "currency": CURRENCY}
    assert product["category"]["id"] == category["id"]
    assert product["active"] is True


def test_unknown_and_deactivated_products_are_not_found(
    anon: ShopClient, admin: ShopClient
) -> None:
    product = create_product(admin, stock=3)
    deactivate_product(admin, product["id"])
    for product_id in (product["id"], str(uuid.uuid4())):
        assert_problem(anon.get(f"{API}/products/{product_id}"), 404, "not-found")
        response = anon.get(f"{API}/products/{product_id}/availability")
        assert_problem(response, 404, "not-found")


def test_availability_is_what_can_be_ordered(anon: ShopClient, admin: ShopClient) -> None:
    product = create_product(admin)

    def available() -> int:
        response = anon.get(f"{API}/products/{product['id']}/availability")
        assert_status(response, 200)
        body = response.json()
        assert_conforms(body, "Availability")
        assert body["product_id"] == product["id"]
        return body["available"]

    assert available() == 0
    adjust_stock(admin, product["id"], 7)
    assert available() == 7
    adjust_stock(admin, product["id"], -2)
    assert available() == 5
