import uuid

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session

from shop_monolith.inventory.models import Levels, StockItem, StockMovement
from shop_monolith.shared.orm import insert_if_absent
from shop_monolith.shared.pages import Page, paginate


class InventoryRepository:
    """Stock changes are single conditional UPDATEs, so concurrent writers cannot oversell."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, product_id: uuid.UUID) -> StockItem | None:
        return self.session.get(StockItem, product_id, populate_existing=True)

    def adjust_on_hand(self, product_id: uuid.UUID, delta: int) -> Levels | None:
        """Add delta to on_hand unless that would leave fewer units than are reserved; the
        levels it left, or None if it would have.

        A product the inventory has no row for has nothing on hand: its row is made here, by
        the first adjustment (the catalog, which creates products, knows nothing of stock).
        """
        self._ensure_row(product_id)
        return self._change(
            product_id,
            StockItem.on_hand + delta >= StockItem.reserved,
            on_hand=StockItem.on_hand + delta,
        )

    def _ensure_row(self, product_id: uuid.UUID) -> None:
        insert_if_absent(self.session, StockItem, product_id=product_id, on_hand=0, reserved=0)

    def reserve(self, product_id: uuid.UUID, quantity: int) -> Levels | None:
        return self._change(
            product_id,
            StockItem.on_hand - StockItem.reserved >= quantity,
            reserved=StockItem.reserved + quantity,
        )

    def release(self, product_id: uuid.UUID, quantity: int) -> Levels | None:
        return self._change(product_id, true(), reserved=StockItem.reserved - quantity)

    def commit_sale(self, product_id: uuid.UUID, quantity: int) -> Levels | None:
        """Turn a reservation into a sale: the units leave both reserved and on hand."""
        return self._change(
            product_id,
            true(),
            reserved=StockItem.reserved - quantity,
            on_hand=StockItem.on_hand - quantity,
        )

    def _change(
        self, product_id: uuid.UUID, condition: ColumnElement[bool], **values: object
    ) -> Levels | None:
        """One conditional UPDATE; the levels it left (RETURNING), or None if it changed none."""
        row = self.session.execute(
            update(StockItem)
            .where(StockItem.product_id == product_id, condition)
            .values(**values)
            .returning(StockItem.on_hand, StockItem.reserved)
            .execution_options(synchronize_session=False)
        ).first()
        return None if row is None else Levels(product_id, row.on_hand, row.reserved)

    def record(self, movement: StockMovement) -> None:
        self.session.add(movement)

    def movements(self, product_id: uuid.UUID, *, page: int, per_page: int) -> Page[StockMovement]:
        query = (
            select(StockMovement)
            .where(StockMovement.product_id == product_id)
            .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        )
        return paginate(self.session, query, page, per_page)
