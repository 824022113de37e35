"""The broker's answers on one confirm-mode channel, matched to events by delivery tag."""

from collections.abc import Sequence
from typing import Any

from outbox_relay.domain.model import OutboxEvent, PublishOutcome


class Confirmations:
    """Fed by the channel's basic_ack, basic_nack and basic_return events while draining.

    After confirm_select the broker numbers the channel's publishes 1, 2, 3 ...; an ack or
    nack with `multiple` settles every tag up to its own. A basic.return (a mandatory
    message no queue was bound for) comes before that message's ack. Several batches may be
    in flight: each asks for its own events' outcome.
    """

    def __init__(self) -> None:
        self._next_tag = 1
        self._pending: dict[int, OutboxEvent] = {}  # in tag order: dicts keep insertion order
        self._confirmed: set[int] = set()
        self._returned: dict[str, str] = {}  # by message id
        self._refused: dict[int, str] = {}
        self.failure: str | None = None  # the channel or connection is gone

    @classmethod
    def failed(cls, failure: str) -> "Confirmations":
        """For a batch that could not even be sent: every event stays unconfirmed."""
        confirms = cls()
        confirms.fail(failure)
        return confirms

    @property
    def last_tag(self) -> int:
        return self._next_tag - 1

    def waiting_for(self, tag: int) -> bool:
        """Whether any message up to this tag still awaits its answer."""
        return bool(self._pending) and next(iter(self._pending)) <= tag

    def sent(self, event: OutboxEvent) -> None:
        self._pending[self._next_tag] = event
        self._next_tag += 1

    def on_ack(self, delivery_tag: int, multiple: bool) -> None:
        for event in self._settled(delivery_tag, multiple):
            self._confirmed.add(event.id)

    def on_nack(self, delivery_tag: int, multiple: bool) -> None:
        for event in self._settled(delivery_tag, multiple):
            self._refused[event.id] = "nacked by the broker"

    def on_return(self, error: Any, exchange: str, routing_key: str, message: Any) -> None:
        reply = f"returned: {error.reply_code} {error.reply_text}"
        self._returned[str(message.properties.get("message_id"))] = reply

    def refuse(self, event: OutboxEvent, error: str) -> None:
        self._refused[event.id] = error

    def fail(self, failure: str, blame_first: bool = False) -> None:
        """No more answers will come. A channel the broker closed is blamed on the first
        message it had not confirmed: the broker handles a channel's messages in order."""
        if blame_first and self._pending:
            self._refused[self._pending.pop(next(iter(self._pending))).id] = failure
        self.failure = self.failure or failure

    def outcome(self, events: Sequence[OutboxEvent], seconds: float) -> PublishOutcome:
        """What became of these events (one batch); they are forgotten here afterwards."""
        confirmed, returned, refused, unconfirmed = [], {}, {}, []
        for event in events:
            if event.id in self._refused:
                refused[event.id] = self._refused.pop(event.id)
            elif event.id in self._confirmed:
                self._confirmed.discard(event.id)
                reply = self._returned.pop(event.event_id, None)
                if reply is None:
                    confirmed.append(event)
                else:
                    returned[event.id] = reply
            else:
                unconfirmed.append(event)
        failure = self.failure if unconfirmed else None
        return PublishOutcome(confirmed, returned, refused, unconfirmed, failure, seconds)

    def _settled(self, delivery_tag: int, multiple: bool) -> list[OutboxEvent]:
        if not multiple:
            event = self._pending.pop(delivery_tag, None)
            return [] if event is None else [event]
        settled = []
        pending = self._pending
        while pending and (tag := next(iter(pending))) <= delivery_tag:
            settled.append(pending.pop(tag))
        return settled
