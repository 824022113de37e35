"""The relay's batches, pipelined so that the broker is never kept waiting on the database.

This thread only publishes and collects confirms. One database thread meanwhile reads the next
batch (ReadAhead) and writes back the batches the broker has confirmed, in the order they
were sent. Up to `depth` batches await confirms at once.
"""

import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from outbox_relay.domain.model import PublishOutcome
from outbox_relay.service_layer.batches import Batch, BatchReport, RelayPolicy
from outbox_relay.service_layer.ports import AbstractOutboxStore, AbstractPublisher
from outbox_relay.service_layer.read_ahead import ReadAhead
from outbox_relay.service_layer.settlement import settlement_for, split_poison


class BatchPipeline:
    def __init__(
        self,
        store: AbstractOutboxStore,
        publisher: AbstractPublisher,
        policy: RelayPolicy,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._store, self._publisher, self._policy, self._clock = store, publisher, policy, clock
        # The store is used by one thread at a time: this one only while the pipeline is idle.
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-database")
        self._in_flight: deque[Batch] = deque()  # sent, awaiting confirms
        self._writing: deque[tuple[Batch, Future[BatchReport]]] = deque()
        self._next = ReadAhead(store, self._database, policy.batch_size, clock)
        self.caught_up = False  # the last read came up short and nothing is on its way

    def step(self, slots: Sequence[int]) -> list[BatchReport]:
        """Send one batch; read the next meanwhile; hand confirmed batches to be written back.
        After a short read (or a broker failure), wait for everything on its way."""
        started, events, every_slot = self._next.take(slots, self._busy())
        if events:
            sendable, poison = split_poison(events, self._policy.max_body_bytes)
            self._in_flight.append(Batch(events, poison, self._publisher.send(sendable), started))
        short = len(events) < self._policy.batch_size
        drain = short
        if not drain:
            self._next.start(slots, self._busy())
        while self._in_flight and (drain or len(self._in_flight) >= self._policy.depth):
            drain = self._confirm_oldest().failure is not None or drain
        if drain:
            self._next.discard()
        reports = self._written(everything=drain)
        # Short because slots were busy is not the end: the next step reads them all again.
        self.caught_up = short and every_slot and self.idle
        return reports

    @property
    def idle(self) -> bool:
        """Nothing sent, being written back or read ahead: the store is free for others."""
        return not (self._in_flight or self._writing or self._next.pending)

    def drain(self) -> list[BatchReport]:
        """Wait for every batch on its way to be confirmed and written back."""
        while self._in_flight:
            self._confirm_oldest()
        self._next.discard()
        return self._written(everything=True)

    def abandon(self) -> None:
        """Forget every batch on its way, and the connection it went out on (after a
        failure): their rows stay unpublished and go out again, so the broker may see them
        twice, but never after a later batch."""
        for _, future in self._writing:
            future.exception()  # waits: the store must be idle before anyone else uses it
        self._next.discard()
        if self._in_flight:
            self._publisher.close()
        self._in_flight.clear()
        self._writing.clear()

    def close(self) -> None:
        self._database.shutdown(wait=True)

    def _confirm_oldest(self) -> PublishOutcome:
        """Wait for the oldest batch's confirms; the database thread then writes it back."""
        batch = self._in_flight.popleft()
        outcome = self._publisher.wait(batch.sent)
        self._writing.append((batch, self._database.submit(self._write_back, batch, outcome)))
        return outcome

    def _busy(self) -> set[int]:
        """Slots with a batch on its way: sent, or confirmed but not yet written back."""
        batches = [*self._in_flight, *(batch for batch, _ in self._writing)]
        return {event.slot for batch in batches for event in batch.events}

    def _write_back(self, batch: Batch, outcome: PublishOutcome) -> BatchReport:
        by_id = {event.id: event for event in batch.events}
        settlement = settlement_for(outcome, batch.poison, by_id, self._policy.max_attempts)
        if settlement:
            self._store.settle(settlement)
        return BatchReport.of(batch, outcome, settlement, self._clock() - batch.fetched_at)

    def _written(self, everything: bool) -> list[BatchReport]:
        """Reports of the batches written back, oldest first; a write-back's failure raises."""
        reports = []
        while self._writing and (everything or self._writing[0][1].done()):
            _, future = self._writing[0]
            reports.append(future.result())
            self._writing.popleft()
        return reports
