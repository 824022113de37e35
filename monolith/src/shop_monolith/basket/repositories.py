import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shop_monolith.basket.models import Basket, BasketLine
from shop_monolith.shared.orm import insert_if_absent


class BasketRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, customer_id: uuid.UUID) -> None:
        """Hold the customer's basket until commit, making its row on first use (no effect on
        SQLite, which has one writer anyway)."""
        locked = select(Basket.customer_id).where(Basket.customer_id == customer_id)
        if self.session.execute(locked.with_for_update()).first() is None:
            insert_if_absent(self.session, Basket, customer_id=customer_id)  # its first checkout
            self.session.execute(locked.with_for_update())

    def lines(self, customer_id: uuid.UUID) -> list[BasketLine]:
        query = (
            select(BasketLine)
            .where(BasketLine.customer_id == customer_id)
            .order_by(BasketLine.added_at, BasketLine.product_id)
        )
        return list(self.session.scalars(query))

    def get(self, customer_id: uuid.UUID, product_id: uuid.UUID) -> BasketLine | None:
        return self.session.get(BasketLine, (customer_id, product_id))

    def add(self, line: BasketLine) -> None:
        self.session.add(line)

    def remove(self, customer_id: uuid.UUID, product_id: uuid.UUID) -> None:
        self.session.execute(
            delete(BasketLine).where(
                BasketLine.customer_id == customer_id, BasketLine.product_id == product_id
            )
        )

    def clear(self, customer_id: uuid.UUID) -> None:
        self.session.execute(delete(BasketLine).where(BasketLine.customer_id == customer_id))
