import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from shop_monolith.models import IdempotencyRecord
from shop_monolith.services import idempotency
from shop_monolith.services.errors import Conflict

from ..conftest import add_customer


def test_fingerprint_ignores_key_order_but_not_values_and_needs_the_secret() -> None:
    def fp(path: str, body: object, secret: str = "s" * 32) -> str:
        return idempotency.fingerprint("POST", path, body, secret=secret)

    one = fp("/orders", {"a": 1, "b": 2})
    assert one == fp("/orders", {"b": 2, "a": 1})
    assert one != fp("/orders", {"a": 1, "b": 3})
    assert one != fp("/other", {"a": 1, "b": 2})
    assert one != fp("/orders", {"a": 1, "b": 2}, secret="t" * 32)


def test_a_finished_key_replays_its_outcome(session: Session) -> None:
    customer = add_customer(session)
    first = idempotency.claim(session, customer.id, "k", "fp")
    resource = uuid.uuid4()
    idempotency.record_outcome(session, first, status=201, resource_id=resource)
    session.commit()

    again = idempotency.claim(session, customer.id, "k", "fp")

    assert (again.is_replay, again.replay_status, again.resource_id) == (True, 201, resource)


def test_the_same_key_with_another_request_is_refused(session: Session) -> None:
    customer = add_customer(session)
    idempotency.claim(session, customer.id, "k", "fp-1")
    with pytest.raises(Conflict) as raised:
        idempotency.claim(session, customer.id, "k", "fp-2")
    assert raised.value.code == "idempotency-key-reused"


def test_a_key_still_in_progress_is_refused(session: Session) -> None:
    customer = add_customer(session)
    idempotency.claim(session, customer.id, "k", "fp")
    with pytest.raises(Conflict) as raised:
        idempotency.claim(session, customer.id, "k", "fp")
    assert raised.value.code == "idempotency-key-in-use"


def test_a_stale_unfinished_claim_is_taken_over(session: Session) -> None:
    customer = add_customer(session)
    held = idempotency.claim(session, customer.id, "k", "fp")
    record = session.get(IdempotencyRecord, held.record_id)
    assert record is not None
    record.created_at = datetime.now(UTC) - idempotency.STALE_CLAIM_AFTER - timedelta(seconds=1)
    session.commit()

    again = idempotency.claim(session, customer.id, "k", "fp")

    assert (again.record_id, again.is_replay) == (held.record_id, False)
    # The slow first holder can neither record an outcome nor give the key back any more.
    with pytest.raises(Conflict) as raised:
        idempotency.record_outcome(session, held, status=201, resource_id=uuid.uuid4())
    assert raised.value.code == "idempotency-key-in-use"
    idempotency.release(session, held)
    idempotency.record_outcome(session, again, status=201, resource_id=uuid.uuid4())
    session.commit()
    assert idempotency.claim(session, customer.id, "k", "fp").replay_status == 201


def test_keys_belong_to_one_customer(session: Session) -> None:
    one, two = add_customer(session), add_customer(session)
    idempotency.claim(session, one.id, "k", "fp")
    assert not idempotency.claim(session, two.id, "k", "other").is_replay


def test_release_frees_an_unfinished_key_but_never_a_finished_one(session: Session) -> None:
    customer = add_customer(session)
    held = idempotency.claim(session, customer.id, "free-me", "fp")
    idempotency.release(session, held)
    assert not idempotency.claim(session, customer.id, "free-me", "new").is_replay

    done = idempotency.claim(session, customer.id, "keep-me", "fp")
    idempotency.record_outcome(session, done, status=201, resource_id=uuid.uuid4())
    session.commit()
    idempotency.release(session, done)
    assert idempotency.claim(session, customer.id, "keep-me", "fp").is_replay
