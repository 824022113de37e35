import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from shop_monolith.basket import services as basket
from shop_monolith.ordering.models.idempotency import IdempotencyRecord
from shop_monolith.ordering.models.orders import Order
from shop_monolith.ordering.services import checkout, idempotency, orders
from shop_monolith.shared.errors import Conflict

from ..conftest import ADDRESS, add_customer, add_product, card, place_order
from .fakes import FakePaymentProvider


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


def test_a_checkout_repeated_with_its_key_replays_the_order_and_charges_once(
    session: Session,
) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=5)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()

    def place() -> tuple[Order, int | None]:
        return checkout.place_order_once(
            session,
            provider,
            customer_id=customer.id,
            key="k",
            request_fingerprint="fp",
            shipping_address=ADDRESS,
            card=card(),
            currency="EUR",
        )

    first, first_replay = place()
    again, again_replay = place()

    assert (first.status, first_replay) == ("CONFIRMED", None)
    assert (again.id, again_replay) == (first.id, 201)
    assert len(provider.charges) == 1


def test_a_failed_checkout_gives_its_key_back(session: Session) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=5)
    provider = FakePaymentProvider()

    def place() -> tuple[Order, int | None]:
        return checkout.place_order_once(
            session,
            provider,
            customer_id=customer.id,
            key="k",
            request_fingerprint="fp",
            shipping_address=ADDRESS,
            card=card(),
            currency="EUR",
        )

    with pytest.raises(Conflict) as raised:
        place()  # the basket is empty
    assert raised.value.code == "basket-empty"
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")

    order, replayed = place()

    assert (order.status, replayed) == ("CONFIRMED", None)


def test_a_cancel_repeated_with_its_key_replays_and_another_request_is_refused(
    session: Session,
) -> None:
    customer, product = add_customer(session), add_product(session, on_hand=5)
    basket.set_quantity(session, customer.id, product.id, 1, currency="EUR")
    provider = FakePaymentProvider()
    placed = place_order(session, provider, customer.id)

    def cancel(fingerprint: str) -> tuple[Order, int | None]:
        return orders.cancel_once(
            session,
            provider,
            customer_id=customer.id,
            order_id=placed.id,
            key="k",
            request_fingerprint=fingerprint,
        )

    first, first_replay = cancel("fp")
    again, again_replay = cancel("fp")

    assert (first.status, first_replay) == ("CANCELLED", None)
    assert (again.id, again.status, again_replay) == (first.id, "CANCELLED", 200)
    assert len(provider.refunded) == 1
    with pytest.raises(Conflict) as raised:
        cancel("another request")
    assert raised.value.code == "idempotency-key-reused"
