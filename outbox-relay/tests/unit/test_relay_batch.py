"""BatchPipeline with fakes: batching, order per slot, pipelining, poison, refusals, returns,
lost confirms."""

from relay_fakes import FakeOutboxStore, FakePublisher, event

from outbox_relay.service_layer.batches import BatchReport, RelayPolicy
from outbox_relay.service_layer.relay import BatchPipeline

ALL_SLOTS = list(range(64))


def run(pipeline: BatchPipeline, slots: list[int] = ALL_SLOTS) -> list[BatchReport]:
    """Step until the outbox is drained or a batch failed, as the relay loop does."""
    reports = pipeline.step(slots)
    while not pipeline.caught_up and not any(r.failure for r in reports):
        reports += pipeline.step(slots)
    return reports


def test_every_event_is_published_in_batches_of_at_most_the_batch_size() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 26):
        store.add(event(i, slot=i % 3))
    reports = run(BatchPipeline(store, publisher, RelayPolicy(batch_size=10)))
    assert sum(r.fetched for r in reports) == 25 and all(r.fetched <= 10 for r in reports)
    assert sorted(e.id for e in publisher.delivered) == list(range(1, 26))
    assert all(row.published for row in store.rows.values())
    assert sorted(i for s in store.settlements for i in s.published) == list(range(1, 26))


def test_the_next_batch_goes_out_before_the_one_before_is_confirmed() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 31):
        store.add(event(i, slot=i % 3))  # ten a slot: one batch each
    run(BatchPipeline(store, publisher, RelayPolicy(batch_size=10, depth=2)))
    batches = [ids for call, ids in publisher.calls if call == "send"]
    calls = [call for call, _ in publisher.calls]
    assert calls == ["send", "send", "wait", "send", "wait", "wait"]
    assert [len(ids) for ids in batches] == [10, 10, 10]
    assert [{i % 3 for i in ids} for ids in batches] == [{0}, {1}, {2}]  # a slot at a time
    assert sorted(i for ids in batches for i in ids) == list(range(1, 31))  # none sent twice
    assert all(row.published for row in store.rows.values())


def test_each_slot_is_published_in_id_order() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 41):
        store.add(event(i, slot=(i * 7) % 5))
    run(BatchPipeline(store, publisher, RelayPolicy(batch_size=4, depth=3)))
    for slot in range(5):
        ids = [e.id for e in publisher.delivered if e.slot == slot]
        assert ids == sorted(ids) and ids


def test_poison_is_dead_lettered_and_the_rest_of_the_batch_flows() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    store.add(event(1))
    store.add(event(2, body=b"{not json"))
    store.add(event(3, body=b'{"bad": "\xff"}'))
    store.add(event(4, body=b'{"big": "' + b"x" * 100 + b'"}'))
    store.add(event(5))
    (report,) = run(BatchPipeline(store, publisher, RelayPolicy(max_body_bytes=64)))
    assert [e.id for e in publisher.delivered] == [1, 5]
    assert sorted(store.dead) == [2, 3, 4]
    assert "not valid JSON" in store.dead[2][1]
    assert "not valid UTF-8" in store.dead[3][1]
    assert "larger than the maximum 64" in store.dead[4][1]
    assert len(report.dead) == 3 and report.published == 2


def test_a_refused_event_is_retried_then_dead_lettered_after_max_attempts() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher(nacked_ids={2})
    for i in (1, 2, 3):
        store.add(event(i))
    pipeline = BatchPipeline(store, publisher, RelayPolicy(max_attempts=3))
    (first,) = run(pipeline)
    assert [e.id for e, _ in first.refused] == [2]
    assert store.rows[2].event.attempts == 1 and not store.rows[2].published
    assert store.rows[2].last_error == "nacked by the broker"
    run(pipeline)
    (third,) = run(pipeline)
    assert [e.id for e, _ in third.dead] == [2]
    assert store.dead[2][0].attempts == 3
    assert "refused by the broker 3 times" in store.dead[2][1]
    assert run(pipeline) == []


def test_a_returned_event_counts_as_published_with_its_reply_kept() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher(unroutable_types={"nobody.listens"})
    store.add(event(1, event_type="nobody.listens"))
    store.add(event(2))
    (report,) = run(BatchPipeline(store, publisher, RelayPolicy()))
    assert [(e.id, reply) for e, reply in report.returned] == [(1, "returned: 312 NO_ROUTE")]
    assert store.rows[1].published and store.rows[1].last_error == "returned: 312 NO_ROUTE"
    assert report.published == 2


def test_after_a_lost_connection_every_unconfirmed_event_goes_out_again_in_order() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher(fail_after=13)
    for i in range(1, 41):
        store.add(event(i))
    pipeline = BatchPipeline(store, publisher, RelayPolicy(batch_size=10, depth=3))
    reports = run(pipeline)
    assert [r.failure for r in reports] == [None] + ["connection lost"] * (len(reports) - 1)
    assert pipeline.drain() == []  # a failure settles everything in flight
    assert [i for i, row in sorted(store.rows.items()) if row.published] == list(range(1, 14))
    assert all(row.event.attempts == 0 for row in store.rows.values())
    publisher.connect(timeout=1)
    run(pipeline)
    assert [e.id for e in publisher.delivered] == list(range(1, 41))


def test_only_the_given_slots_are_fetched() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 11):
        store.add(event(i, slot=i % 2))
    run(BatchPipeline(store, publisher, RelayPolicy()), [1])
    assert {e.slot for e in publisher.delivered} == {1}
    assert len(publisher.delivered) == 5


def test_drain_writes_back_every_batch_in_flight() -> None:
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 21):
        store.add(event(i, slot=i % 2))
    pipeline = BatchPipeline(store, publisher, RelayPolicy(batch_size=10, depth=4))
    pipeline.step(ALL_SLOTS)
    pipeline.step(ALL_SLOTS)
    assert store.settlements == [] and len(publisher.delivered) == 20
    assert [r.published for r in pipeline.drain()] == [10, 10]
    assert all(row.published for row in store.rows.values()) and pipeline.idle


def test_a_slot_with_a_batch_on_its_way_waits_for_it() -> None:
    """One busy slot: no batch overlaps another of the same slot, and the short read this
    makes is not taken for the end of the outbox."""
    store, publisher = FakeOutboxStore(), FakePublisher()
    for i in range(1, 36):
        store.add(event(i, slot=7))
    pipeline = BatchPipeline(store, publisher, RelayPolicy(batch_size=10, depth=2))
    run(pipeline)
    calls = [call for call, _ in publisher.calls]
    assert calls == ["send", "wait"] * 4
    assert [e.id for e in publisher.delivered] == list(range(1, 36))
