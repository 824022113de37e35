import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_monolith.models import Order, Payment
from shop_monolith.repositories.pages import Page, paginate


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        query = select(Order).where(Order.id == order_id)
        if for_update:
            # Lock only the order row; the joined payment row is not needed for the lock.
            query = query.with_for_update(of=Order)
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

    def pending_attempted_before(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        query = (
            select(Order.id)
            .join(Payment, Payment.order_id == Order.id)
            .where(Order.status == "PENDING", Payment.attempted_at < cutoff)
            .order_by(Payment.attempted_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))
