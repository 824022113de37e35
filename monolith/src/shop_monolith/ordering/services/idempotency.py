"""Idempotency keys: one outcome per (customer, key), recorded in the use case's own commit."""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_monolith.ordering.models.idempotency import IdempotencyRecord
from shop_monolith.ordering.repositories.idempotency import IdempotencyRepository
from shop_monolith.shared.errors import Conflict

# A claim whose request died without an outcome may be taken over after this long.
STALE_CLAIM_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    """A key held by one request; `claimed_at` fences it against a stale earlier holder."""

    record_id: uuid.UUID
    claimed_at: datetime | None = None
    replay_status: int | None = None
    resource_id: uuid.UUID | None = None

    @property
    def is_replay(self) -> bool:
        return self.replay_status is not None


def fingerprint(method: str, path: str, body: object, *, secret: str) -> str:
    """A keyed digest of the request: stored, it reveals nothing of the body without the key."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def claim(session: Session, customer_id: uuid.UUID, key: str, request_fingerprint: str) -> Claim:
    records = IdempotencyRepository(session)
    existing = records.find(customer_id, key)
    if existing is None:
        record = IdempotencyRecord(
            id=uuid.uuid4(),
            customer_id=customer_id,
            key=key,
            fingerprint=request_fingerprint,
            created_at=datetime.now(UTC),
        )
        records.add(record)
        try:
            session.commit()
            return Claim(record_id=record.id, claimed_at=record.created_at)
        except IntegrityError:
            session.rollback()
            existing = records.find(customer_id, key)
            if existing is None:
                raise
    if existing.fingerprint != request_fingerprint:
        raise Conflict(
            "idempotency-key-reused",
            "This Idempotency-Key was used with another request; use a new key.",
        )
    if existing.response_status is not None:
        return Claim(
            existing.id, replay_status=existing.response_status, resource_id=existing.resource_id
        )
    taken_at = _take_over_stale(session, existing.id)
    if taken_at is not None:
        return Claim(record_id=existing.id, claimed_at=taken_at)
    raise Conflict(
        "idempotency-key-in-use", "A request with this Idempotency-Key is still in progress."
    )


def _take_over_stale(session: Session, record_id: uuid.UUID) -> datetime | None:
    now = datetime.now(UTC)
    result = session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .where(IdempotencyRecord.response_status.is_(None))
        .where(IdempotencyRecord.created_at < now - STALE_CLAIM_AFTER)
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return now if int(result.rowcount) == 1 else None  # type: ignore[attr-defined]


def record_outcome(session: Session, held: Claim, *, status: int, resource_id: uuid.UUID) -> None:
    """Mark the key as used; the caller commits this together with the use case's writes.

    Refused if the claim was taken over meanwhile, so the use case's writes roll back.
    """
    assert held.claimed_at is not None, "a replayed claim has nothing to record"
    if not IdempotencyRepository(session).finish(
        held.record_id, held.claimed_at, status, resource_id
    ):
        session.rollback()
        raise Conflict(
            "idempotency-key-in-use", "This request took too long; another took its key over."
        )


def release(session: Session, held: Claim) -> None:
    """Give the key back after the use case failed before recording an outcome."""
    session.rollback()
    if held.claimed_at is not None:
        IdempotencyRepository(session).delete_unfinished(held.record_id, held.claimed_at)
    session.commit()
