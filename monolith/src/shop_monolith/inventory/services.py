import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shop_monolith.catalog import facade as catalog
from shop_monolith.inventory import events
from shop_monolith.inventory.models import Levels, StockItem, StockMovement
from shop_monolith.inventory.repositories import InventoryRepository
from shop_monolith.shared import outbox
from shop_monolith.shared.errors import Conflict, NotFound
from shop_monolith.shared.pages import Page


@dataclass(frozen=True)
class StockLevel:
    product_id: uuid.UUID
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def of(cls, item: StockItem) -> "StockLevel":
        return cls(product_id=item.product_id, on_hand=item.on_hand, reserved=item.reserved)


def _stock(session: Session, product_id: uuid.UUID, *, active_only: bool) -> StockLevel:
    if catalog.find_product(session, product_id, include_inactive=not active_only) is None:
        raise NotFound("The product")
    item = InventoryRepository(session).get(product_id)
    if item is None:
        return StockLevel(product_id=product_id, on_hand=0, reserved=0)
    return StockLevel.of(item)


def availability(session: Session, product_id: uuid.UUID) -> StockLevel:
    return _stock(session, product_id, active_only=True)


def stock_level(session: Session, product_id: uuid.UUID) -> StockLevel:
    return _stock(session, product_id, active_only=False)


def adjust_stock(session: Session, product_id: uuid.UUID, *, delta: int, reason: str) -> StockLevel:
    _stock(session, product_id, active_only=False)
    inventory = InventoryRepository(session)
    levels = inventory.adjust_on_hand(product_id, delta)
    if levels is None:
        session.rollback()
        raise Conflict(
            "insufficient-stock",
            f"Removing {-delta} units would leave fewer units on hand than are reserved or sold.",
        )
    inventory.record(
        StockMovement(product_id=product_id, delta=delta, kind="ADJUSTMENT", reason=reason)
    )
    _record_change(session, levels, "ADJUSTMENT", on_hand_delta=delta)
    session.commit()
    return stock_level(session, product_id)


def movements(
    session: Session, product_id: uuid.UUID, *, page: int, per_page: int
) -> Page[StockMovement]:
    _stock(session, product_id, active_only=False)
    return InventoryRepository(session).movements(product_id, page=page, per_page=per_page)


# What an order does to stock. These join the caller's transaction (they do not commit): the
# order and its stock change commit together. Rows are locked in one order, by product id, so
# two writers never wait on each other crosswise.
Units = Mapping[uuid.UUID, int]  # product id -> quantity


def _in_lock_order(units: Units) -> list[tuple[uuid.UUID, int]]:
    return sorted(units.items(), key=lambda item: str(item[0]))


def _record_change(
    session: Session,
    levels: Levels | None,
    kind: events.Cause,
    *,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    order_id: uuid.UUID | None = None,
) -> None:
    """Record stock_changed with the levels the change left (None: it found no stock row)."""
    assert levels is not None, f"{kind}: no stock row to change"
    event = events.stock_changed(
        levels,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        order_id=order_id,
    )
    outbox.record(session, event)


def reserve_all(session: Session, units: Units) -> bool:
    """Reserve every line or none; False (and nothing reserved) if one cannot be."""
    inventory = InventoryRepository(session)
    savepoint = session.begin_nested()
    reserved = []
    for product_id, quantity in _in_lock_order(units):
        levels = inventory.reserve(product_id, quantity)
        if levels is None:
            savepoint.rollback()
            return False
        reserved.append((levels, quantity))
    savepoint.commit()
    for levels, quantity in reserved:
        _record_change(session, levels, "RESERVATION", reserved_delta=quantity)
    return True


def release_all(session: Session, units: Units) -> None:
    """Give back what `reserve_all` took for an order that will not be paid for."""
    inventory = InventoryRepository(session)
    for product_id, quantity in _in_lock_order(units):
        levels = inventory.release(product_id, quantity)
        _record_change(session, levels, "RELEASE", reserved_delta=-quantity)


def sell_all(session: Session, units: Units, *, order_id: uuid.UUID) -> None:
    """Turn an order's reservations into sales, one ledger line each."""
    inventory = InventoryRepository(session)
    for product_id, quantity in _in_lock_order(units):
        levels = inventory.commit_sale(product_id, quantity)
        inventory.record(
            StockMovement(
                product_id=product_id,
                delta=-quantity,
                kind="SALE",
                reason=f"order {order_id}",
                order_id=order_id,
            )
        )
        _record_change(
            session,
            levels,
            "SALE",
            on_hand_delta=-quantity,
            reserved_delta=-quantity,
            order_id=order_id,
        )


def restock_all(session: Session, units: Units, *, order_id: uuid.UUID) -> None:
    """Put a cancelled order's units back on hand, one ledger line each."""
    inventory = InventoryRepository(session)
    for product_id, quantity in _in_lock_order(units):
        levels = inventory.adjust_on_hand(product_id, quantity)
        inventory.record(
            StockMovement(
                product_id=product_id,
                delta=quantity,
                kind="RESTOCK",
                reason=f"order {order_id} cancelled",
                order_id=order_id,
            )
        )
        _record_change(session, levels, "RESTOCK", on_hand_delta=quantity, order_id=order_id)
