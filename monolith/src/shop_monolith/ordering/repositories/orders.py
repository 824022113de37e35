import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from shop_monolith.ordering.models.orders import Order, Payment
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

    def refunds_due_before(
        self, cutoff: datetime, limit: int, *, statuses: tuple[str, ...]
    ) -> list[uuid.UUID]:
        """Orders in `statuses` whose payment is still CAPTURED: a refund not yet made."""
        query = (
            select(Order.id)
            .join(Payment, Payment.order_id == Order.id)
            .where(Order.status.in_(statuses), Payment.status == "CAPTURED")
            .where(Order.updated_at < cutoff)
            .order_by(Order.updated_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def record_late_capture(self, order_id: uuid.UUID, charge_id: str) -> None:
        """The provider took money for an order that had already failed: note it as CAPTURED."""
        self._change_payment(
            order_id,
            Payment.status != "REFUNDED",
            status="CAPTURED",
            provider_charge_id=charge_id,
        )

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        """CAPTURED -> REFUNDED; a no-op if someone else recorded the refund first."""
        self._change_payment(order_id, Payment.status == "CAPTURED", status="REFUNDED")

    def _change_payment(
        self, order_id: uuid.UUID, condition: ColumnElement[bool], **values: object
    ) -> None:
        """Update the order's payment where `condition` holds; a change to the payment is a
        change to the order, so its updated_at moves with it (and only then)."""
        changed = self.session.execute(
            update(Payment)
            .where(Payment.order_id == order_id, condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            self.session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
