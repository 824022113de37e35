"""The next batch, read on the database thread while the broker confirms the ones before."""

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, Future

from outbox_relay.domain.model import OutboxEvent
from outbox_relay.service_layer.ports import AbstractOutboxStore

Read = tuple[float, list[OutboxEvent], bool]  # when it started, the rows, every slot free


class ReadAhead:
    """Reads leave out the busy slots (those with a batch on their way), so that no row is
    read twice and each slot has one batch at a time."""

    def __init__(
        self,
        store: AbstractOutboxStore,
        database: Executor,
        batch_size: int,
        clock: Callable[[], float],
    ) -> None:
        self._store, self._database, self._batch_size, self._clock = (
            store, database, batch_size, clock,
        )  # fmt: skip
        self._next: tuple[frozenset[int], float, bool, Future[list[OutboxEvent]]] | None = None

    @property
    def pending(self) -> bool:
        return self._next is not None

    def start(self, slots: Sequence[int], busy: Collection[int]) -> None:
        free = [slot for slot in slots if slot not in busy]
        future = self._database.submit(self._read, free)
        self._next = (frozenset(slots), self._clock(), len(free) == len(slots), future)

    def take(self, slots: Sequence[int], busy: Collection[int]) -> Read:
        """The batch read ahead, if it was read for these slots; else a read now."""
        if self._next is not None:
            for_slots, started, every_slot, future = self._next
            self._next = None
            events = future.result()
            if for_slots == frozenset(slots):
                return started, events, every_slot
        started, free = self._clock(), [slot for slot in slots if slot not in busy]
        return started, self._database.submit(self._read, free).result(), len(free) == len(slots)

    def discard(self) -> None:
        """Forget a batch read but not sent: its rows are read again next time."""
        if self._next is not None:
            self._next[3].exception()  # waits for the read to end
            self._next = None

    def _read(self, slots: Sequence[int]) -> list[OutboxEvent]:
        return self._store.fetch_batch(slots, self._batch_size) if slots else []
