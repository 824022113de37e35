"""Value objects refuse what the domain cannot hold."""

import pytest

from catalog_service.domain.errors import InvalidValue
from catalog_service.domain.model import Money, Sku


@pytest.mark.parametrize(("amount", "currency"), [(-1, "EUR"), (100_000_001, "EUR"), (1, "eur")])
def test_money_out_of_range_or_with_a_bad_currency_is_refused(amount: int, currency: str) -> None:
    with pytest.raises(InvalidValue):
        Money(amount, currency)


@pytest.mark.parametrize("value", ["", "A", "-AB", "ab-1", "A" * 33, "AB 1"])
def test_bad_skus_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="sku"):
        Sku(value)


def test_money_compares_by_value() -> None:
    assert Money(100, "EUR") == Money(100, "EUR") != Money(100, "USD")
