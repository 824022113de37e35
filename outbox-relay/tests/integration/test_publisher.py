"""KombuPublisher on the real RabbitMQ: the message nameko's event handlers expect."""

# mypy: disallow-untyped-calls=False
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from kombu import Connection, Exchange
from relay_broker import Collector, delete_exchange
from relay_harness import BROKER_URL, TRACEPARENT

from outbox_relay.adapters.broker.publisher import KombuPublisher
from outbox_relay.domain.model import OutboxEvent

OCCURRED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def outbox_event(id: int, source: str, event_type: str = "thing.happened") -> OutboxEvent:
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "type": event_type, "data": {"n": id, "text": "é"}}, ensure_ascii=False
    )
    return OutboxEvent(id, event_id, source, event_type, 3, OCCURRED, TRACEPARENT, body.encode(), 0)


@pytest.fixture
def publisher() -> Iterator[KombuPublisher]:
    publisher = KombuPublisher(BROKER_URL, confirm_timeout=10)
    publisher.connect(timeout=10)
    yield publisher
    publisher.close()


def test_messages_arrive_as_nameko_sends_events(publisher: KombuPublisher, source: str) -> None:
    collector = Collector(source, routing_key="thing.happened")
    events = [outbox_event(i, source) for i in range(1, 4)]
    outcome = publisher.publish(events)
    assert [e.id for e in outcome.confirmed] == [1, 2, 3] and outcome.failure is None
    messages = collector.wait_for(3)
    collector.close()
    for event, message in zip(events, messages, strict=True):
        assert message.delivery_info["exchange"] == f"{source}.events"
        assert message.delivery_info["routing_key"] == "thing.happened"
        assert message.body == event.body.decode()  # verbatim (py-amqp decodes utf-8 bodies)
        assert message.content_type == "application/json"
        assert message.content_encoding == "utf-8"
        assert message.properties["delivery_mode"] == 2
        assert message.properties["message_id"] == event.event_id
        assert message.properties["type"] == "thing.happened"
        assert message.properties["timestamp"] == OCCURRED.timestamp()
        assert message.headers == {"traceparent": TRACEPARENT, "nameko.traceparent": TRACEPARENT}
        assert message.payload["data"]["text"] == "é"


def test_the_exchange_is_declared_exactly_as_nameko_declares_it(
    publisher: KombuPublisher, source: str
) -> None:
    publisher.publish([outbox_event(1, source)])
    with Connection(BROKER_URL) as connection:
        # nameko 2.14: Exchange(name, type="topic", durable=True, auto_delete=None); a
        # declaration with any other type or flags would close the channel (406).
        nameko_style = Exchange(f"{source}.events", type="topic", durable=True)
        nameko_style(connection.channel()).declare()


def test_an_event_no_queue_is_bound_for_comes_back_and_counts_as_returned(
    publisher: KombuPublisher, source: str
) -> None:
    collector = Collector(source, routing_key="thing.happened")
    routed, unroutable = outbox_event(1, source), outbox_event(2, source, "nobody.listens")
    outcome = publisher.publish([routed, unroutable])
    collector.close()
    assert [e.id for e in outcome.confirmed] == [1]
    assert outcome.returned == {2: "returned: 312 NO_ROUTE"}


def test_an_exchange_of_another_kind_refuses_its_events_and_the_rest_flow(
    publisher: KombuPublisher, source: str
) -> None:
    clash = f"clash-{uuid.uuid4().hex[:8]}"
    with Connection(BROKER_URL) as connection:
        Exchange(f"{clash}.events", type="fanout", durable=True)(connection.channel()).declare()
    collector = Collector(source)
    try:
        outcome = publisher.publish([outbox_event(1, clash), outbox_event(2, source)])
        assert (
            "cannot be declared" in outcome.refused[1]
            and "PRECONDITION_FAILED" in outcome.refused[1]
        )
        assert [e.id for e in outcome.confirmed] == [2]
        assert len(collector.wait_for(1)) == 1
    finally:
        collector.close()
        delete_exchange(f"{clash}.events")


def test_a_thousand_events_are_confirmed_in_one_pipelined_batch(
    publisher: KombuPublisher, source: str
) -> None:
    collector = Collector(source)
    outcome = publisher.publish([outbox_event(i, source) for i in range(1, 1001)])
    assert len(outcome.confirmed) == 1000 and not outcome.unconfirmed
    assert len(collector.wait_for(1000)) == 1000
    collector.close()
