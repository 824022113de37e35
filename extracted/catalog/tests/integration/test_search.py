"""Search on PostgreSQL as the contract describes it: every word in name, description or SKU
(LIKE's wildcards taken literally), filters, sort orders and pages."""

import uuid

import pytest

from catalog_service.bootstrap import Catalog
from catalog_service.domain.model import Money
from catalog_service.service_layer.unit_of_work import ProductQuery


@pytest.fixture
def word() -> str:
    return uuid.uuid4().hex[:8]


def add(catalog: Catalog, word: str, sku: str, name: str, amount: int, **fields: object) -> None:
    catalog.create_product(
        sku=f"{sku}-{word[:6]}".upper(),
        name=f"{name} {word}",
        description=str(fields.pop("description", "")),
        category_id=fields.pop("category_id", None),  # type: ignore[arg-type]
        price=Money(amount, "EUR"),
    )


def names(catalog: Catalog, **query: object) -> list[str]:
    found = catalog.search_products(ProductQuery(**query))  # type: ignore[arg-type]
    return [item.name.split()[0] for item in found.items]


def test_words_filters_and_orders(catalog: Catalog, word: str) -> None:
    tea = catalog.create_category(slug=f"tea-{word}", name="Tea")
    add(catalog, word, "A", "Apple", 300, category_id=tea.id)
    add(catalog, word, "B", "Banana", 100, description="yellow 100%_sure")
    add(catalog, word, "C", "Cherry", 200, category_id=tea.id)

    assert names(catalog, words=(word,)) == ["Apple", "Banana", "Cherry"]
    assert names(catalog, words=(word,), sort="-price") == ["Apple", "Cherry", "Banana"]
    assert names(catalog, words=(word, "YELLOW")) == ["Banana"]
    assert names(catalog, words=(word, "100%_")) == ["Banana"]
    assert names(catalog, words=(word, "0%s")) == []  # % and _ are not wildcards
    assert names(catalog, words=(word,), category_slug=f"tea-{word}") == ["Apple", "Cherry"]
    assert names(catalog, words=(word,), min_price=150, max_price=300) == ["Apple", "Cherry"]
    page = catalog.search_products(ProductQuery(words=(word,), per_page=2, page=2))
    assert [item.name.split()[0] for item in page.items] == ["Cherry"]
    assert (page.total, page.has_next, page.has_prev) == (3, False, True)
