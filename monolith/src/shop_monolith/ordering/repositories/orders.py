import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop_monolith.ordering.models.orders import Order
from shop_monolith.shared.orm import utcnow
from shop_monolith.shared.pages import Page, paginate


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    def pending_order_id(self, customer_id: uuid.UUID) -> uuid.UUID | None:
        """The customer's order still being paid for, if any (one checkout per basket)."""
        query = (
            select(Order.id)
            .where(Order.customer_id == customer_id, Order.status == "PENDING")
            .limit(1)
        )
        return self.session.scalar(query)

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        query = select(Order).where(Order.id == order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def page_of(
        self,
        *,
        customer_id: uuid.UUID | None = None,
        status: str | None = None,
        page: int,
        per_page: int,
    ) -> Page[Order]:
        query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
        if customer_id is not None:
            query = query.where(Order.customer_id == customer_id)
        if status is not None:
            query = query.where(Order.status == status)
        return paginate(self.session, query, page, per_page)

    def touch(self, order_id: uuid.UUID) -> None:
        """A change to the order's payment is a change to the order: move its updated_at."""
        self.session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
