"""Both stores against their real databases: the same behaviour from PostgreSQL and SQLite."""

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from relay_harness import TRACEPARENT, Writer, query, slot_of

from outbox_relay.adapters.postgres.store import PostgresOutboxStore
from outbox_relay.adapters.sqlite.store import SqliteOutboxStore
from outbox_relay.domain.model import Failure, Settlement
from outbox_relay.service_layer.ports import AbstractOutboxStore

ALL = list(range(64))
Setup = tuple[AbstractOutboxStore, Writer]


@pytest.fixture(params=["postgres", "sqlite"])
def setup(request: pytest.FixtureRequest, source: str) -> Iterator[Setup]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        url, schema = request.getfixturevalue("pg_schema")
        store: AbstractOutboxStore = PostgresOutboxStore(url, schema)
    else:
        url, schema = request.getfixturevalue("sqlite_url"), "main"
        store = SqliteOutboxStore(url)
    assert store.prepare() == []
    yield store, Writer(url, schema, source)
    store.close()


def test_a_fetched_event_carries_the_row_as_the_broker_needs_it(setup: Setup) -> None:
    store, writer = setup
    writer.events(aggregates=1, per_aggregate=1)
    (event,) = store.fetch_batch(ALL, 10)
    written = writer.written[0]
    assert event.event_id == written["id"] and str(uuid.UUID(event.event_id)) == event.event_id
    assert event.source == writer.source and event.event_type == "thing.happened"
    assert event.slot == slot_of("agg-0") and event.traceparent == TRACEPARENT
    assert event.occurred_at.isoformat() == written["occurred_at"]
    [(body,)] = query(writer.database_url, writer.schema, "SELECT body FROM outbox")
    assert event.body.decode() == body


def test_a_batch_holds_only_the_given_slots_each_in_id_order(setup: Setup) -> None:
    store, writer = setup
    writer.events(aggregates=40, per_aggregate=5)
    slots = sorted({slot_of(f"agg-{a}") for a in range(40)})[:6]
    batch = store.fetch_batch(slots, 1000)
    assert {e.slot for e in batch} == set(slots)
    assert len(batch) == sum(1 for a in range(40) if slot_of(f"agg-{a}") in slots) * 5
    for slot in slots:
        ids = [e.id for e in batch if e.slot == slot]
        assert ids == sorted(ids)
    limited = store.fetch_batch(slots, 7)
    assert len(limited) == 7
    for slot in {e.slot for e in limited}:  # wherever the limit cut, each slot's oldest first
        taken = [e.id for e in limited if e.slot == slot]
        assert taken == [e.id for e in batch if e.slot == slot][: len(taken)]


def test_settling_publishes_records_refusals_and_dead_letters(setup: Setup) -> None:
    store, writer = setup
    writer.events(aggregates=5, per_aggregate=1)
    a, b, c, d, e = sorted(store.fetch_batch(ALL, 10), key=lambda x: x.id)
    store.settle(
        Settlement(
            published=[a.id],
            returned={b.id: "returned: 312 NO_ROUTE"},
            refused={c.id: Failure("nacked by the broker", 1)},
            dead={d.id: Failure("body is not valid JSON", 0)},
        )
    )
    assert [x.id for x in store.fetch_batch(ALL, 10)] == sorted([c.id, e.id])
    rows = query(
        writer.database_url,
        writer.schema,
        "SELECT id, published_at IS NOT NULL, attempts, last_error FROM outbox ORDER BY id",
    )
    assert [tuple(map(_plain, row)) for row in rows] == [
        (a.id, 1, 0, None), (b.id, 1, 0, "returned: 312 NO_ROUTE"),
        (c.id, 0, 1, "nacked by the broker"), (e.id, 0, 0, None),
    ]  # fmt: skip
    (letter,) = store.dead_letters(10)
    assert (letter.id, letter.event_id, letter.error) == (
        d.id,
        d.event_id,
        "body is not valid JSON",
    )
    backlog = store.backlog()
    assert (backlog.unpublished, backlog.dead_letters) == (2, 1)
    assert backlog.oldest_occurred_at is not None


def test_requeued_dead_letters_return_as_new_rows_at_the_end(setup: Setup) -> None:
    store, writer = setup
    writer.events(aggregates=3, per_aggregate=1)
    first, *_ = sorted(store.fetch_batch(ALL, 10), key=lambda x: x.id)
    store.settle(Settlement(dead={first.id: Failure("too large", 0)}))
    assert store.requeue([first.id]) == 1 and store.dead_letters(10) == []
    back = max(store.fetch_batch(ALL, 10), key=lambda x: x.id)
    assert back.event_id == first.event_id and back.id > first.id and back.attempts == 0
    assert store.requeue(None) == 0


def test_pruning_deletes_only_old_published_rows_of_the_given_slots(setup: Setup) -> None:
    store, writer = setup
    writer.events(aggregates=30, per_aggregate=2)
    events = store.fetch_batch(ALL, 100)
    store.settle(Settlement(published=[x.id for x in events]))
    kept_slots = {events[0].slot}
    assert store.prune(ALL, older_than_seconds=3600) == 0
    pruned = store.prune([s for s in ALL if s not in kept_slots], older_than_seconds=0)
    remaining = query(writer.database_url, writer.schema, "SELECT DISTINCT slot FROM outbox")
    assert pruned == len([x for x in events if x.slot not in kept_slots])
    assert {row[0] for row in remaining} == kept_slots


def test_leases_go_to_one_relay_at_a_time(setup: Setup) -> None:
    store, _ = setup
    assert sorted(store.heartbeat("relay-a", 30)) == ["relay-a"]
    assert sorted(store.heartbeat("relay-b", 30)) == ["relay-a", "relay-b"]
    a = store.claim_leases("relay-a", 30, 40)
    b = store.claim_leases("relay-b", 30, 40)
    assert len(a) == 40 and len(b) == 24 and not set(a) & set(b)
    assert sorted(store.renew_leases("relay-a", 30)) == sorted(a)
    store.release_leases("relay-a", a[:8])
    assert sorted(store.claim_leases("relay-b", 30, 8)) == sorted(a[:8])
    store.leave("relay-b")
    assert store.heartbeat("relay-a", 30) == ["relay-a"]
    assert len(store.claim_leases("relay-a", 30, 64)) == 32


def test_expired_leases_and_heartbeats_are_taken_over(setup: Setup) -> None:
    store, _ = setup
    store.heartbeat("gone", 0.05)
    assert len(store.claim_leases("gone", 0.05, 64)) == 64
    time.sleep(0.1)
    assert store.heartbeat("alive", 30) == ["alive"]
    assert len(store.claim_leases("alive", 30, 64)) == 64
    assert store.renew_leases("gone", 30) == []


def test_waiting_wakes_soon_after_another_connection_commits(setup: Setup) -> None:
    store, writer = setup
    store.fetch_batch(ALL, 1)
    threading.Timer(0.3, writer.events, kwargs={"aggregates": 1, "per_aggregate": 1}).start()
    started = time.monotonic()
    assert store.wait_for_rows(5.0)
    assert 0.25 < time.monotonic() - started < 1.0
    assert not store.wait_for_rows(0.2)


def _plain(value: object) -> object:
    return int(value) if isinstance(value, bool) else value


@pytest.mark.postgres
def test_prepare_names_every_missing_table_and_column(pg_database: str) -> None:
    schema = f"partial_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(f'CREATE TABLE "{schema}".outbox (id bigint, body text)')
    store = PostgresOutboxStore(pg_database, schema)
    with pytest.raises(SystemExit) as exit_info:
        store.prepare()
    message = str(exit_info.value)
    lacks = "lacks tables outbox_dead_letters, outbox_relays, outbox_leases"
    assert f'schema "{schema}" {lacks}' in message
    assert "columns outbox.event_id, outbox.source" in message and "outbox.last_error" in message
    store.close()
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_prepare_on_an_empty_sqlite_file_names_every_table(tmp_path: object) -> None:
    store = SqliteOutboxStore(f"sqlite:///{tmp_path}/empty.db")
    every = "outbox, outbox_dead_letters, outbox_relays, outbox_leases"
    with pytest.raises(SystemExit, match=f"lacks tables {every}"):
        store.prepare()
    store.close()
