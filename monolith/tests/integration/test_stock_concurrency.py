"""Reservations are single conditional UPDATEs: racing writers on PostgreSQL never oversell."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.inventory.models import StockItem
from shop_monolith.inventory.repositories import InventoryRepository

from ..conftest import add_product


def test_parallel_reservations_take_exactly_the_units_there_are(
    pg_sessions: sessionmaker[Session],
) -> None:
    with pg_sessions() as session:
        product_id = add_product(session, on_hand=5).id

    def reserve_one(_: int) -> bool:
        with pg_sessions() as session:
            reserved = InventoryRepository(session).reserve(product_id, 1)
            session.commit()
            return reserved is not None

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(reserve_one, range(30)))

    assert results.count(True) == 5
    with pg_sessions() as session:
        item = session.get(StockItem, product_id)
        assert item is not None and (item.on_hand, item.reserved) == (5, 5)


def test_parallel_adjustments_never_leave_stock_below_reserved(
    pg_sessions: sessionmaker[Session],
) -> None:
    with pg_sessions() as session:
        product_id = add_product(session, on_hand=10).id
        InventoryRepository(session).reserve(product_id, 4)
        session.commit()

    def remove_two(_: int) -> bool:
        with pg_sessions() as session:
            done = InventoryRepository(session).adjust_on_hand(product_id, -2)
            session.commit()
            return done is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(remove_two, range(8)))

    assert results.count(True) == 3
    with pg_sessions() as session:
        item = session.get(StockItem, product_id)
        assert item is not None and (item.on_hand, item.reserved) == (4, 4)


def test_parallel_first_adjustments_of_a_new_product_make_one_row(
    pg_sessions: sessionmaker[Session],
) -> None:
    with pg_sessions() as session:
        product_id = add_product(session, on_hand=None).id

    def add_one(_: int) -> bool:
        with pg_sessions() as session:
            done = InventoryRepository(session).adjust_on_hand(product_id, 1)
            session.commit()
            return done is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(add_one, range(16)))

    assert results == [True] * 16
    with pg_sessions() as session:
        item = session.get(StockItem, product_id)
        assert item is not None and (item.on_hand, item.reserved) == (16, 0)


def test_the_database_itself_refuses_negative_stock(pg_session: Session) -> None:
    product_id = add_product(pg_session, on_hand=1).id
    with pytest.raises(IntegrityError):
        pg_session.execute(
            update(StockItem).where(StockItem.product_id == product_id).values(on_hand=-1)
        )
    pg_session.rollback()
