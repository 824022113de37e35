import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shop_monolith.models import IdempotencyRecord


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, customer_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
        query = select(IdempotencyRecord).where(
            IdempotencyRecord.customer_id == customer_id, IdempotencyRecord.key == key
        )
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def get(self, record_id: uuid.UUID) -> IdempotencyRecord | None:
        return self.session.get(IdempotencyRecord, record_id)

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)

    def delete_unfinished(self, record_id: uuid.UUID) -> None:
        self.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == record_id, IdempotencyRecord.response_status.is_(None)
            )
        )
