"""Pagination at its edges, for every paginated list of the contract.

Every list with `page` and `per_page` answers `page`, `per_page`, `total` and `links`
(`self`, `next`, `prev`). The links are relative URLs of the same list, with the same query
(filters, sort, `per_page`) and the page they name; `next` is null on the last page (also when
the last page is exactly full, the total being a multiple of `per_page`), `prev` on the
first; a page past the end is empty, with the same total. Walking a list page by page along
its `next` links yields each item exactly once, as many as `total` says.

Lists of this test's own data (a fresh category's products, a fresh customer's orders, a
fresh product's stock movements) are checked item by item; lists of the whole shop (admin
products and orders) by their totals, and retried when another client changes them meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import spec
from client import (
    API,
    DECLINING_CARD,
    Customer,
    ShopClient,
    adjust_stock,
    create_category,
    create_product,
    deactivate_product,
    place_order,
    set_basket_item,
    unique_word,
    wait_for_terminal,
)
from problems import assert_status
from spec import assert_conforms

N = 6  # items of this test's own in each list: multiple of 1, 2, 3 and 6, not of 4, 5 or 7
PER_PAGES = (1, 2, 3, 4, 5, 6, 7, 100)
WALK_LIMIT = 3000  # a list of the whole shop is walked in full up to this many items
ATTEMPTS = 3  # for lists of the whole shop, which other clients may change meanwhile

PAGE_SCHEMAS = {
    f"{API}/products": "ProductPage",
    f"{API}/orders": "OrderPage",
    f"{API}/admin/products": "ProductPage",
    f"{API}/admin/orders": "OrderPage",
    f"{API}/admin/products/{{product_id}}/stock-movements": "StockMovementPage",
}


class ListMoved(Exception):
    """Another client changed a list of the whole shop while this test read it."""


@dataclass(frozen=True)
class Listing:
    """One paginated list: who reads it, where, with which query (filters, sort)."""

    api: ShopClient
    path: str
    schema: str
    params: dict[str, str]

    def get(self, **paging: int) -> dict[str, Any]:
        params = self.params | {key: str(value) for key, value in paging.items()}
        return self._checked(self.api.get(self.path, params=params))

    def follow(self, link: str) -> dict[str, Any]:
        return self._checked(self.api.get(link))

    def _checked(self, response: Any) -> dict[str, Any]:
        assert_status(response, 200)
        body = response.json()
        assert_conforms(body, self.schema)
        return body

    def assert_link(self, link: Any, page: int, per_page: int, what: str) -> None:
        """`link` is this list's URL for `page`: same path, same query, that page."""
        assert isinstance(link, str) and link, f"{what} link missing: {link!r}"
        url = urlsplit(link)
        assert url.path == self.path, f"{what} link {link!r} leaves {self.path}"
        query = parse_qs(url.query, keep_blank_values=True)
        assert query.get("page") == [str(page)], f"{what} link {link!r} is not page {page}"
        assert query.get("per_page", [str(per_page)]) == [str(per_page)], (
            f"{what} link {link!r} changes per_page from {per_page}"
        )
        for name, value in self.params.items():
            assert query.get(name) == [value], f"{what} link {link!r} drops {name}={value}"


def check_page(
    listing: Listing, body: dict[str, Any], *, page: int, per_page: int, total: int
) -> None:
    """Page `page` of `total` items, `per_page` to a page: its fields, size and links."""
    where = f"page {page} of {total} items by {per_page} ({listing.path} {listing.params})"
    if body["total"] != total:
        raise ListMoved(f"{where}: total is now {body['total']}")
    assert (body["page"], body["per_page"]) == (page, per_page), where
    last = max(1, math.ceil(total / per_page))
    expected_size = per_page if page < last else total - (last - 1) * per_page
    if page > last:
        expected_size = 0
    assert len(body["items"]) == expected_size, f"{where}: {len(body['items'])} items"
    links = body["links"]
    listing.assert_link(links["self"], page, per_page, f"{where}: self")
    if page < last:
        listing.assert_link(links["next"], page + 1, per_page, f"{where}: next")
    else:
        assert links["next"] is None, f"{where}: the last page (or past it) has a next link"
    if page == 1:
        assert links["prev"] is None, f"{where}: the first page has a prev link"
    elif page <= last:
        listing.assert_link(links["prev"], page - 1, per_page, f"{where}: prev")
    elif links["prev"] is not None:  # past the end: a way back, if any, goes backwards
        prev = parse_qs(urlsplit(links["prev"]).query).get("page", ["0"])
        assert prev[0].isdigit() and 1 <= int(prev[0]) < page, f"{where}: prev {links['prev']}"


def walk(listing: Listing, per_page: int, total: int) -> list[dict[str, Any]]:
    """Every page from the first along the `next` links, each checked; then the two pages
    past the end. The items in order."""
    body = listing.get(per_page=per_page)
    items, page = [], 1
    while True:
        check_page(listing, body, page=page, per_page=per_page, total=total)
        assert listing.follow(body["links"]["self"])["page"] == page
        items += body["items"]
        if body["links"]["next"] is None:
            break
        page += 1
        assert page <= total + 1, f"{listing.path}: more pages than items"
        body = listing.follow(body["links"]["next"])
    last = max(1, math.ceil(total / per_page))
    assert page == last, f"{listing.path} by {per_page}: {page} pages for {total} items"
    for beyond in (last + 1, last + 3):
        past = listing.get(page=beyond, per_page=per_page)
        check_page(listing, past, page=beyond, per_page=per_page, total=total)
        assert past["items"] == [], f"page {beyond} past the end is not empty"
    return items


def assert_walks_exactly(
    listing: Listing, expected: list[Any], key: Callable[[dict[str, Any]], Any]
) -> None:
    """With every page size, walking the list yields `expected` (keys of its items) in
    order, each once."""
    for per_page in PER_PAGES:
        items = walk(listing, per_page, len(expected))
        got = [key(item) for item in items]
        assert got == expected, f"{listing.path} by {per_page}: {got} != {expected}"
        assert len({item["id"] for item in items}) == len(items), "an item on two pages"


# --- lists of this test's own data --------------------------------------------------------


def test_every_paginated_list_of_the_contract_is_covered_here() -> None:
    paginated = {
        op.path
        for op in spec.operations()
        if op.method == "get" and {"page", "per_page"} <= set(op.query_params)
    }
    assert paginated == set(PAGE_SCHEMAS), (
        "the contract's paginated lists changed: give each a boundary test here"
    )


def test_products_of_a_category_at_every_page_boundary(anon: ShopClient, admin: ShopClient) -> None:
    word = unique_word()
    category = create_category(admin)
    made = [
        create_product(admin, name=f"Item {n:02d} {word}", category_id=category["id"])["id"]
        for n in reversed(range(N))  # created in reverse, listed by name
    ]
    listing = Listing(
        anon, f"{API}/products", "ProductPage", {"category": category["slug"], "sort": "name"}
    )
    assert_walks_exactly(listing, list(reversed(made)), lambda item: item["id"])

    searched = Listing(anon, f"{API}/products", "ProductPage", {"q": word, "sort": "-name"})
    assert_walks_exactly(searched, made, lambda item: item["id"])


def test_an_empty_product_list_has_one_empty_page(anon: ShopClient, admin: ShopClient) -> None:
    category = create_category(admin)
    listing = Listing(anon, f"{API}/products", "ProductPage", {"category": category["slug"]})
    for per_page in (1, 20):
        assert walk(listing, per_page, 0) == []


def test_my_orders_at_every_page_boundary(admin: ShopClient, customer: Customer) -> None:
    listing = Listing(customer.api, f"{API}/orders", "OrderPage", {})
    assert walk(listing, 1, 0) == []
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    placed = []
    for _ in range(N):  # a declined card keeps the basket, so the same basket checks out again
        response = place_order(customer.api, number=DECLINING_CARD)
        assert_status(response, 201)
        placed.append(response.json()["id"])
    assert_walks_exactly(listing, list(reversed(placed)), lambda item: item["id"])


def test_stock_movements_at_every_page_boundary(admin: ShopClient) -> None:
    product = create_product(admin)
    for delta in range(1, N + 1):
        adjust_stock(admin, product["id"], delta, reason=f"movement {delta}")
    path = f"{API}/admin/products/{product['id']}/stock-movements"
    listing = Listing(admin, path, "StockMovementPage", {})
    newest_first = list(range(N, 0, -1))
    assert_walks_exactly(listing, newest_first, lambda item: item["delta"])

    untouched = create_product(admin)["id"]
    empty = Listing(
        admin, f"{API}/admin/products/{untouched}/stock-movements", "StockMovementPage", {}
    )
    assert walk(empty, 5, 0) == []


# --- lists of the whole shop ------------------------------------------------------------


def check_whole_list(listing: Listing, mine_newest_first: list[str]) -> None:
    """The list's edges at its current total, which this test cannot choose: one item to a
    page (every total is a multiple of 1), a page size dividing the total and one that does
    not; then the whole list walked, holding this test's items in order."""
    total = listing.get(per_page=1)["total"]
    assert total >= len(mine_newest_first)

    for page in sorted({1, 2, total - 1, total, total + 1} & set(range(1, total + 2))):
        body = listing.get(page=page, per_page=1)
        check_page(listing, body, page=page, per_page=1, total=total)

    sizes = range(2, min(100, total) + 1)
    dividing = [size for size in sizes if total % size == 0 and size < total]  # >= 2 full pages
    not_dividing = [size for size in sizes if total % size]
    whole = [total] if total <= 100 else []  # all on one page, exactly full
    for per_page in {*dividing[-1:], *not_dividing[-1:], *whole}:
        last = max(1, math.ceil(total / per_page))
        for page in (last, last + 1):
            body = listing.get(page=page, per_page=per_page)
            check_page(listing, body, page=page, per_page=per_page, total=total)

    if total > WALK_LIMIT:
        return
    items = walk(listing, 100, total)
    seen = [item["id"] for item in items]
    assert len(set(seen)) == len(seen) == total, f"{listing.path}: an item on two pages"
    assert [i for i in seen if i in set(mine_newest_first)] == mine_newest_first, (
        f"{listing.path}: this test's items missing or out of order"
    )


def check_with_retries(listing: Listing, mine_newest_first: list[str]) -> None:
    moved = []
    for _ in range(ATTEMPTS):
        try:
            check_whole_list(listing, mine_newest_first)
            return
        except ListMoved as error:
            moved.append(str(error))
    pytest.fail(f"{listing.path} changed under every attempt: {moved}")


@pytest.mark.parametrize("active", [None, "false"], ids=["all", "inactive"])
def test_admin_products_at_the_page_boundaries(admin: ShopClient, active: str | None) -> None:
    made = [create_product(admin)["id"] for _ in range(3)]
    if active == "false":
        for product_id in made:
            deactivate_product(admin, product_id)
    params = {} if active is None else {"active": active}
    listing = Listing(admin, f"{API}/admin/products", "ProductPage", params)
    check_with_retries(listing, list(reversed(made)))


@pytest.mark.parametrize("status", [None, "REJECTED"], ids=["all", "rejected"])
def test_admin_orders_at_the_page_boundaries(
    admin: ShopClient, customer: Customer, status: str | None
) -> None:
    set_basket_item(customer.api, create_product(admin, stock=1)["id"], 1)
    placed = []
    for _ in range(3):
        response = place_order(customer.api, number=DECLINING_CARD)
        assert_status(response, 201)
        placed.append(wait_for_terminal(customer.api, response.json()["id"])["id"])
    params = {} if status is None else {"status": status}
    listing = Listing(admin, f"{API}/admin/orders", "OrderPage", params)
    check_with_retries(listing, list(reversed(placed)))
