import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from shop_monolith.ordering.models.idempotency import IdempotencyRecord


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, customer_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
        query = select(IdempotencyRecord).where(
            IdempotencyRecord.customer_id == customer_id, IdempotencyRecord.key == key
        )
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)

    def finish(
        self, record_id: uuid.UUID, claimed_at: datetime, status: int, resource_id: uuid.UUID
    ) -> bool:
        """Record the outcome if the claim is still the one held (not taken over since)."""
        result = self.session.execute(
            update(IdempotencyRecord)
            .where(*self._held(record_id, claimed_at))
            .values(response_status=status, resource_id=resource_id)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def delete_unfinished(self, record_id: uuid.UUID, claimed_at: datetime) -> None:
        self.session.execute(
            delete(IdempotencyRecord)
            .where(*self._held(record_id, claimed_at))
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _held(record_id: uuid.UUID, claimed_at: datetime) -> tuple[ColumnElement[bool], ...]:
        return (
            IdempotencyRecord.id == record_id,
            IdempotencyRecord.created_at == claimed_at,
            IdempotencyRecord.response_status.is_(None),
        )
