"""The use cases on fakes: what each records, what each refuses."""

import uuid

import pytest
from catalog_fakes import FakeStore

from catalog_service.bootstrap import Catalog
from catalog_service.domain import events
from catalog_service.domain.errors import (
    InvalidValue,
    NotFound,
    SkuTaken,
    SlugTaken,
    WritesElsewhere,
)
from catalog_service.domain.model import Money
from catalog_service.service_layer.unit_of_work import ProductQuery

EUR = "EUR"


def make_product(
    catalog: Catalog, sku: str = "SKU-1", **overrides: object
) -> events.ProductSnapshot:
    values: dict[str, object] = {
        "sku": sku,
        "name": "Teapot",
        "description": "",
        "category_id": None,
        "price": Money(1500, EUR),
    }
    values.update(overrides)
    return catalog.create_product(**values)  # type: ignore[arg-type]


def test_a_new_product_is_active_and_its_creation_is_recorded(
    catalog: Catalog, store: FakeStore
) -> None:
    books = catalog.create_category(slug="books", name="Books")
    product = make_product(catalog, category_id=books.id)

    assert product.active and product.category == books
    assert product.created_at == product.updated_at
    assert [type(event) for event in store.outbox] == [
        events.CategoryCreated,
        events.ProductCreated,
    ]
    assert store.outbox[1] == events.ProductCreated(product)


def test_a_price_change_records_product_changed_then_price_changed(
    catalog: Catalog, store: FakeStore
) -> None:
    product = make_product(catalog)
    changed = catalog.change_product(product.id, {"price": Money(1700, EUR), "name": "Teapot"})

    assert changed.price == events.Price(1700, EUR)
    assert changed.updated_at > product.updated_at
    assert store.outbox[1:] == [
        events.ProductChanged(changed, ("price_amount",)),
        events.PriceChanged(changed, old_price=events.Price(1500, EUR)),
    ]


def test_setting_the_values_a_product_has_changes_nothing(
    catalog: Catalog, store: FakeStore
) -> None:
    product = make_product(catalog)
    again = catalog.change_product(product.id, {"name": "Teapot", "price": Money(1500, EUR)})

    assert again == product
    assert len(store.outbox) == 1


def test_deactivation_records_the_change_and_the_deactivation(
    catalog: Catalog, store: FakeStore
) -> None:
    product = make_product(catalog)
    inactive = catalog.deactivate_product(product.id)

    assert not inactive.active
    assert store.outbox[1:] == [
        events.ProductChanged(inactive, ("active",)),
        events.ProductDeactivated(inactive),
    ]
    with pytest.raises(NotFound):
        catalog.get_product(product.id)
    assert catalog.get_product(product.id, include_inactive=True) == inactive
    catalog.deactivate_product(product.id)  # already inactive: nothing more happens
    assert len(store.outbox) == 3


def test_moving_a_product_between_categories_names_category_id(
    catalog: Catalog, store: FakeStore
) -> None:
    books = catalog.create_category(slug="books", name="Books")
    product = make_product(catalog)
    moved = catalog.change_product(product.id, {"category_id": books.id})
    assert moved.category == books
    assert store.outbox[-1] == events.ProductChanged(moved, ("category_id",))
    removed = catalog.change_product(product.id, {"category_id": None})
    assert removed.category is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category_id": uuid.uuid4()}, "category_id"),
        ({"price": Money(100, "USD")}, "price.currency"),
    ],
)
def test_a_change_naming_what_cannot_be_is_refused_and_records_nothing(
    catalog: Catalog, store: FakeStore, change: dict[str, object], field: str
) -> None:
    product = make_product(catalog)
    with pytest.raises(InvalidValue) as refused:
        catalog.change_product(product.id, change)
    assert refused.value.field == field
    assert catalog.get_product(product.id) == product
    assert len(store.outbox) == 1


def test_skus_and_slugs_are_unique(catalog: Catalog) -> None:
    make_product(catalog, sku="SKU-1")
    with pytest.raises(SkuTaken):
        make_product(catalog, sku="SKU-1")
    catalog.create_category(slug="books", name="Books")
    with pytest.raises(SlugTaken):
        catalog.create_category(slug="books", name="Other books")


def test_only_the_shops_currency_is_sold(catalog: Catalog) -> None:
    with pytest.raises(InvalidValue, match="sells in EUR only"):
        make_product(catalog, price=Money(100, "USD"))


def test_a_replica_refuses_every_write_and_records_nothing(
    catalog: Catalog, store: FakeStore
) -> None:
    product = make_product(catalog)
    store.owner = "monolith"
    attempts = [
        lambda: catalog.create_category(slug="toys", name="Toys"),
        lambda: make_product(catalog, sku="SKU-2"),
        lambda: catalog.change_product(product.id, {"name": "Kettle"}),
        lambda: catalog.deactivate_product(product.id),
    ]
    for attempt in attempts:
        with pytest.raises(WritesElsewhere) as refused:
            attempt()
        assert refused.value.owner == "monolith"
    assert len(store.outbox) == 1
    assert catalog.get_product(product.id) == product  # reads go on


def test_search_reads_without_recording_or_committing(catalog: Catalog, store: FakeStore) -> None:
    make_product(catalog, sku="SKU-1", name="Green teapot")
    make_product(catalog, sku="SKU-2", name="Kettle")
    commits = store.commits
    found = catalog.search_products(ProductQuery(words=("teapot",)))
    assert [item.sku for item in found.items] == ["SKU-1"] and found.total == 1
    assert store.commits == commits
