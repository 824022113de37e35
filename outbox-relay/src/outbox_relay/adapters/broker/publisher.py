# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""KombuPublisher: events to `<source>.events` exactly as nameko's event dispatcher sends them."""

import time
from collections.abc import Sequence
from typing import Any, cast

from kombu.connection import Connection
from kombu.exceptions import OperationalError

from outbox_relay.adapters.broker.confirms import Confirmations
from outbox_relay.adapters.broker.messages import event_exchange, publish_event
from outbox_relay.domain.model import OutboxEvent, PublishOutcome
from outbox_relay.service_layer.ports import AbstractPublisher, BrokerUnavailable, Sent


class KombuPublisher(AbstractPublisher):
    """send() publishes a batch without waiting; wait() drains the channel until every
    message of that batch is confirmed, while later batches may already be on their way.

    Pipelined confirms: confirm_select is called on the channel here and the answers are
    collected from its events, not through the connection's confirm_publish option, which
    waits for each message's confirm before sending the next.
    """

    def __init__(self, url: str, *, confirm_timeout: float = 30.0, connect_timeout: float = 5.0):
        self._connection = Connection(
            url,
            connect_timeout=connect_timeout,
            transport_options={"write_timeout": confirm_timeout},
        )
        self._confirm_timeout = confirm_timeout
        self._errors = (*self._connection.connection_errors, OperationalError)
        self._channel_errors = self._connection.channel_errors
        self._channel: Any = None  # kombu's py-amqp channel, in confirm mode
        self._confirms = Confirmations()
        self._declared: set[str] = set()

    def connect(self, timeout: float) -> None:
        if self._channel is not None:
            return
        try:
            # kombu's own retry: backs off 0.2 s, 0.7 s, 1.2 s ... up to 3 s until `timeout`.
            self._connection.ensure_connection(
                interval_start=0.2, interval_step=0.5, interval_max=3.0, timeout=timeout
            )
            self._open_channel()
        except (*self._errors, *self._channel_errors) as error:
            self._drop()
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error

    def _open_channel(self) -> None:
        channel = self._connection.channel()
        channel.confirm_select()
        self._confirms = confirms = Confirmations()
        channel.events["basic_ack"].add(confirms.on_ack)
        channel.events["basic_nack"].add(confirms.on_nack)
        channel.events["basic_return"].add(confirms.on_return)
        self._channel = channel
        self._declared = set()

    def send(self, events: Sequence[OutboxEvent]) -> Sent:
        started = time.perf_counter()
        if self._channel is None:
            return Sent(events, started, (Confirmations.failed("not connected"), 0))
        try:
            refused = self._declare({event.exchange for event in events} - self._declared)
            channel, confirms = self._channel, self._confirms
            for event in events:
                if event.exchange in refused:
                    confirms.refuse(event, refused[event.exchange])
                    continue
                confirms.sent(event)
                publish_event(channel, event)
        except (*self._channel_errors, *self._errors) as error:
            self._fail(error)
        return Sent(events, started, (self._confirms, self._confirms.last_tag))

    def wait(self, sent: Sent) -> PublishOutcome:
        confirms, last_tag = cast(tuple[Confirmations, int], sent.token)
        deadline = time.monotonic() + self._confirm_timeout
        try:
            while confirms.failure is None and confirms.waiting_for(last_tag):
                # A socket timeout here is a connection error like any other: reconnect.
                self._connection.drain_events(timeout=max(0.0, deadline - time.monotonic()))
        except (*self._channel_errors, *self._errors) as error:
            self._fail(error)
        return confirms.outcome(sent.events, time.perf_counter() - sent.started)

    def _declare(self, names: set[str]) -> dict[str, str]:
        """Declare new exchanges; answer those the broker refused (say, of another type)."""
        refused = {}
        for name in sorted(names):
            try:
                event_exchange(name)(self._channel).declare()
                self._declared.add(name)
            except self._channel_errors as error:
                refused[name] = f"exchange {name} cannot be declared: {error}"
                # The broker closed the channel over it: batches in flight there are lost.
                self._confirms.fail(f"channel closed by the broker: {error}")
                self._open_channel()
        return refused

    def close(self) -> None:
        self._confirms.fail("publisher closed")
        self._channel = None
        try:
            self._connection.release()
        except (*self._channel_errors, *self._errors):
            self._connection.collect()

    def _fail(self, error: Exception) -> None:
        if isinstance(error, self._channel_errors):
            self._confirms.fail(f"channel closed by the broker: {error}", blame_first=True)
        else:
            self._confirms.fail(f"{type(error).__name__}: {error}")
        self._drop()

    def _drop(self) -> None:
        """Forget the connection without talking to it: it may be half dead."""
        self._confirms.fail("connection dropped")
        self._channel = None
        self._connection.collect()
