import pytest
from sqlalchemy.orm import Session

from shop_monolith.catalog import services as catalog
from shop_monolith.catalog.models import Product
from shop_monolith.inventory import services as inventory
from shop_monolith.inventory.models import StockItem
from shop_monolith.inventory.repositories import InventoryRepository
from shop_monolith.shared.errors import Conflict, NotFound, ValidationFailed
from shop_monolith.shared.pages import Page

from ..conftest import add_product


def create(
    session: Session, sku: str, price: int = 100, currency: str = "EUR", **extra: object
) -> Product:
    fields = {"name": sku.title(), "description": "", "category_id": None} | extra
    return catalog.create_product(
        session,
        sku=sku,
        price_amount=price,
        price_currency=currency,
        shop_currency="EUR",
        **fields,  # type: ignore[arg-type]
    )


def test_product_starts_active_with_zero_stock(session: Session) -> None:
    product = create(session, "HAMMER-1")
    level = inventory.stock_level(session, product.id)
    assert product.active and (level.on_hand, level.reserved, level.available) == (0, 0, 0)


def test_the_first_adjustment_makes_the_stock_row_the_catalog_leaves_out(
    session: Session,
) -> None:
    product = create(session, "NAIL-1")
    assert session.get(StockItem, product.id) is None  # the catalog knows nothing of stock
    assert inventory.adjust_stock(session, product.id, delta=5, reason="delivery").on_hand == 5
    item = session.get(StockItem, product.id)
    assert item is not None and (item.on_hand, item.reserved) == (5, 0)


def test_a_product_without_a_stock_row_cannot_be_reserved_or_reduced(session: Session) -> None:
    product = add_product(session, on_hand=None)
    assert not InventoryRepository(session).reserve(product.id, 1)
    with pytest.raises(Conflict) as raised:
        inventory.adjust_stock(session, product.id, delta=-1, reason="loss")
    assert raised.value.code == "insufficient-stock"


def test_duplicate_sku_and_slug_are_conflicts(session: Session) -> None:
    create(session, "DUP-1")
    with pytest.raises(Conflict) as raised:
        create(session, "DUP-1")
    assert raised.value.code == "sku-taken"
    catalog.create_category(session, slug="tools", name="Tools")
    with pytest.raises(Conflict) as raised:
        catalog.create_category(session, slug="tools", name="Other")
    assert raised.value.code == "slug-taken"


def test_foreign_currency_and_unknown_category_name_the_field(session: Session) -> None:
    with pytest.raises(ValidationFailed) as raised:
        create(session, "USD-1", currency="USD")
    assert [e.field for e in raised.value.errors] == ["price.currency"]
    product = create(session, "CAT-1")
    with pytest.raises(ValidationFailed) as raised:
        catalog.update_product(
            session, product.id, {"category_id": product.id}, shop_currency="EUR"
        )
    assert [e.field for e in raised.value.errors] == ["category_id"]


def test_deactivated_products_vanish_from_the_shop_but_not_from_admin(session: Session) -> None:
    product = create(session, "GONE-1")
    catalog.deactivate_product(session, product.id, shop_currency="EUR")
    with pytest.raises(NotFound):
        catalog.get_product(session, product.id)
    assert catalog.get_product(session, product.id, include_inactive=True).active is False
    with pytest.raises(NotFound):
        inventory.availability(session, product.id)


def test_search_matches_every_word_and_treats_wildcards_literally(session: Session) -> None:
    create(session, "RED-1", name="Red garden chair")
    create(session, "RED-2", name="Red kitchen 100% cotton towel")
    create(session, "BLUE-1", name="Blue garden chair")

    def names(*words: str) -> list[str]:
        page = catalog.search_products(session, words=words, sort="name", page=1, per_page=10)
        return [p.name for p in page.items]

    assert names("red", "CHAIR") == ["Red garden chair"]
    assert names("100%") == ["Red kitchen 100% cotton towel"]
    assert names("%") == ["Red kitchen 100% cotton towel"]
    assert names("_") == []


def test_price_filter_sort_and_pages(session: Session) -> None:
    for n, price in enumerate([500, 100, 300, 200, 400]):
        create(session, f"P-{n}", price=price)

    def prices_between(page: int) -> Page[Product]:
        return catalog.search_products(
            session, min_price=200, max_price=400, sort="-price", page=page, per_page=2
        )

    first = prices_between(page=1)
    assert [p.price_amount for p in first.items] == [400, 300]
    assert (first.total, first.has_next, first.has_prev) == (3, True, False)
    last = prices_between(page=2)
    assert [p.price_amount for p in last.items] == [200] and not last.has_next


def test_stock_cannot_drop_below_what_is_reserved(session: Session) -> None:
    product = add_product(session, on_hand=5)
    assert inventory.adjust_stock(session, product.id, delta=-5, reason="count").on_hand == 0
    with pytest.raises(Conflict) as raised:
        inventory.adjust_stock(session, product.id, delta=-1, reason="oops")
    assert raised.value.code == "insufficient-stock"
    assert inventory.stock_level(session, product.id).on_hand == 0
    page = inventory.movements(session, product.id, page=1, per_page=10)
    assert [(m.kind, m.delta) for m in page.items] == [("ADJUSTMENT", -5)]
