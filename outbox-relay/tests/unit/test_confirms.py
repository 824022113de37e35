"""Confirmations: acks (single and multiple), nacks, returns, batches in flight, failures."""

from types import SimpleNamespace

from relay_fakes import event

from outbox_relay.adapters.broker.confirms import Confirmations


def sent(confirms: Confirmations, *ids: int) -> list:  # type: ignore[type-arg]
    events = [event(i) for i in ids]
    for e in events:
        confirms.sent(e)
    return events


def test_a_multiple_ack_confirms_every_tag_up_to_its_own() -> None:
    confirms = Confirmations()
    batch = sent(confirms, 10, 11, 12, 13)
    confirms.on_ack(3, multiple=True)
    assert confirms.waiting_for(4) and not confirms.waiting_for(3)
    confirms.on_ack(4, multiple=False)
    outcome = confirms.outcome(batch, 0.1)
    assert [e.id for e in outcome.confirmed] == [10, 11, 12, 13]
    assert not outcome.unconfirmed and not confirms.waiting_for(4)


def test_each_batch_in_flight_gets_its_own_outcome() -> None:
    confirms = Confirmations()
    first = sent(confirms, 1, 2)
    end_of_first = confirms.last_tag
    second = sent(confirms, 3, 4)
    confirms.on_ack(3, multiple=True)
    assert not confirms.waiting_for(end_of_first) and confirms.waiting_for(confirms.last_tag)
    assert [e.id for e in confirms.outcome(first, 0).confirmed] == [1, 2]
    outcome = confirms.outcome(second, 0)
    assert [e.id for e in outcome.confirmed] == [3] and [e.id for e in outcome.unconfirmed] == [4]


def test_acks_out_of_order_and_a_nack_are_told_apart() -> None:
    confirms = Confirmations()
    batch = sent(confirms, 1, 2, 3)
    confirms.on_ack(2, multiple=False)
    confirms.on_nack(1, multiple=False)
    confirms.on_ack(3, multiple=True)
    outcome = confirms.outcome(batch, 0.0)
    assert [e.id for e in outcome.confirmed] == [2, 3]
    assert outcome.refused == {1: "nacked by the broker"}


def test_a_return_before_the_ack_marks_the_message_returned() -> None:
    confirms = Confirmations()
    batch = sent(confirms, 1, 2)
    error = SimpleNamespace(reply_code=312, reply_text="NO_ROUTE")
    message = SimpleNamespace(properties={"message_id": event(2).event_id})
    confirms.on_return(error, "things.events", "thing.happened", message)
    confirms.on_ack(2, multiple=True)
    outcome = confirms.outcome(batch, 0.0)
    assert [e.id for e in outcome.confirmed] == [1]
    assert outcome.returned == {2: "returned: 312 NO_ROUTE"}


def test_a_closed_channel_blames_the_first_unconfirmed_and_leaves_the_rest() -> None:
    confirms = Confirmations()
    batch = sent(confirms, 1, 2, 3, 4)
    confirms.on_ack(1, multiple=False)
    confirms.fail("channel closed", blame_first=True)
    outcome = confirms.outcome(batch, 0.0)
    assert [e.id for e in outcome.confirmed] == [1]
    assert outcome.refused == {2: "channel closed"}
    assert [e.id for e in outcome.unconfirmed] == [3, 4]
    assert outcome.failure == "channel closed"


def test_a_batch_fully_answered_before_a_failure_reports_no_failure() -> None:
    confirms = Confirmations()
    batch = sent(confirms, 1)
    confirms.on_ack(1, multiple=False)
    confirms.fail("connection dropped")
    assert confirms.outcome(batch, 0.0).failure is None
