"""The relay loop with fakes: it publishes, backs off from a failing database, stops cleanly."""

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from relay_fakes import FakeOutboxStore, FakePublisher, event

from outbox_relay.bootstrap import bootstrap
from outbox_relay.domain.model import OutboxEvent
from outbox_relay.entrypoints.metrics import RelayMetrics
from outbox_relay.entrypoints.runner import Runner
from outbox_relay.service_layer.ports import StoreUnavailable
from outbox_relay.settings import RelaySettings


class FlakyStore(FakeOutboxStore):
    """Fails its first fetch, as a database restarting would."""

    failures: int = 1

    def fetch_batch(self, slots: Sequence[int], limit: int) -> list[OutboxEvent]:
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("OperationalError: the database system is starting up")
        return super().fetch_batch(slots, limit)


@contextmanager
def running(
    store: FakeOutboxStore, publisher: FakePublisher, batch_size: int = 1000
) -> Iterator[Runner]:
    settings = RelaySettings(
        database_url="sqlite:///never-opened.db", relay_id="relay-1", batch_size=batch_size
    )
    runner = Runner(bootstrap(settings, store, publisher), RelayMetrics())
    thread = threading.Thread(target=runner.run)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(10)
        assert not thread.is_alive()


def eventually(condition: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def value(runner: Runner, name: str, labels: dict[str, str] | None = None) -> float | None:
    return runner.metrics.registry.get_sample_value(name, labels)


def test_the_loop_publishes_everything_then_stops_and_releases_its_leases() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 26):
        store.add(event(i, slot=i % 64))
    with running(store, publisher) as runner:
        assert eventually(lambda: value(runner, "outbox_relay_published_total") == 25)
        assert value(runner, "outbox_relay_owned_slots") == 64
    assert all(row.published for row in store.rows.values())
    assert store.leases == {} and store.relays == {}


def test_a_failing_database_is_retried_after_a_backoff() -> None:
    store, publisher = FlakyStore(), FakePublisher()
    store.add(event(1))
    with running(store, publisher) as runner:
        assert eventually(lambda: value(runner, "outbox_relay_published_total") == 1)
        assert value(runner, "outbox_relay_errors_total", {"dependency": "database"}) == 1
    assert store.rows[1].published and store.failures == 0


def test_no_batch_overtakes_one_lost_with_the_connection() -> None:
    """The connection drops between two batches: the first was confirmed, the second is lost.
    The relay must not reconnect and send a third before the second has gone out again."""
    store, publisher = FakeOutboxStore(), FakePublisher(fail_after=10)
    for i in range(1, 51):
        store.add(event(i))
    with running(store, publisher, batch_size=10) as runner:
        assert eventually(lambda: value(runner, "outbox_relay_published_total") == 50)
    assert [e.id for e in publisher.delivered] == list(range(1, 51))
