import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from shop_monolith.payments.models import Payment
from shop_monolith.shared.orm import utcnow


class PaymentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payment: Payment) -> None:
        self.session.add(payment)

    def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Payment | None:
        query = select(Payment).where(Payment.order_id == order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def of_orders(self, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Payment]:
        if not order_ids:
            return {}
        query = select(Payment).where(Payment.order_id.in_(order_ids))
        return {payment.order_id: payment for payment in self.session.scalars(query)}

    def unsettled_before(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        """Orders whose charge was attempted before `cutoff` with no outcome recorded yet."""
        query = (
            select(Payment.order_id)
            .where(Payment.status == "PENDING", Payment.attempted_at < cutoff)
            .order_by(Payment.attempted_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def refunds_due_before(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        """Orders whose refund was asked for before `cutoff` and not yet made."""
        query = (
            select(Payment.order_id)
            .where(Payment.status == "CAPTURED", Payment.refund_requested_at < cutoff)
            .order_by(Payment.refund_requested_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def record_capture_to_refund(self, order_id: uuid.UUID, charge_id: str) -> bool:
        """The provider took money that must go back: CAPTURED, with its refund requested."""
        return self._change(
            order_id,
            Payment.status.not_in(("CAPTURED", "REFUNDED")),
            status="CAPTURED",
            provider_charge_id=charge_id,
            refund_requested_at=utcnow(),
        )

    def request_refund(self, order_id: uuid.UUID) -> bool:
        return self._change(
            order_id,
            (Payment.status == "CAPTURED") & Payment.refund_requested_at.is_(None),
            refund_requested_at=utcnow(),
        )

    def mark_refunded(self, order_id: uuid.UUID) -> bool:
        """CAPTURED -> REFUNDED; False if someone else recorded the refund first."""
        return self._change(order_id, Payment.status == "CAPTURED", status="REFUNDED")

    def _change(
        self, order_id: uuid.UUID, condition: ColumnElement[bool], **values: object
    ) -> bool:
        """Update the payment where `condition` holds; answers whether it did."""
        changed = self.session.execute(
            update(Payment)
            .where(Payment.order_id == order_id, condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(changed.rowcount)  # type: ignore[attr-defined]
