"""Faults on real PostgreSQL and RabbitMQ: nothing lost, each aggregate's order kept."""

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from relay_broker import Collector, TcpProxy
from relay_harness import (
    RelayProcess,
    Writer,
    assert_order_per_aggregate,
    envelopes,
    get,
    query,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
Database = tuple[str, str]


def assert_all_arrived(collector: Collector, writer: Writer, timeout: float = 60) -> None:
    expected = {e["id"] for e in writer.written}
    collector.wait_for_ids(expected, timeout)
    received = envelopes(collector.settle(quiet=0.5))
    assert expected == {e["id"] for e in received}, "events were lost"
    assert_order_per_aggregate(received)


def test_the_broker_connection_cut_while_publishing_loses_nothing(
    pg_schema: Database, source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    proxy, collector, writer = TcpProxy(), Collector(source), Writer(url, schema, source)
    relay = RelayProcess(url, schema, tmp_path / "relay.log", "--broker-url", proxy.url)
    try:
        writer.events(aggregates=100, per_aggregate=40)
        collector.wait_for(500)
        proxy.cut()
        writer.events(aggregates=100, per_aggregate=20)  # committed while the broker is away
        status, body = get(f"{relay.url}/readyz")
        assert status == 503 and json.loads(body)["broker"] != "ok"
        time.sleep(1.0)
        proxy.restore()
        assert_all_arrived(collector, writer)
        assert 'outbox_relay_errors_total{dependency="broker"}' in get(f"{relay.url}/metrics")[1]
        assert relay.terminate() == 0
    finally:
        relay.kill()
        proxy.close()
        collector.close()


def test_a_relay_killed_mid_batch_resumes_after_restart_with_nothing_lost(
    pg_schema: Database, source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    collector, writer = Collector(source), Writer(url, schema, source)
    writer.events(aggregates=200, per_aggregate=100)
    flags = ("--lease-ttl", "2", "--batch-size", "500")
    first = RelayProcess(url, schema, tmp_path / "first.log", *flags)
    collector.wait_for(1000)
    first.kill()
    left = query(url, schema, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert left[0][0] > 0, "the relay finished before it could be killed"
    second = RelayProcess(url, schema, tmp_path / "second.log", *flags)  # waits out the leases
    try:
        assert_all_arrived(collector, writer)
        assert second.terminate() == 0
    finally:
        second.kill()
        collector.close()


def test_poison_is_set_aside_listed_and_requeued_while_the_rest_flows(
    pg_schema: Database, source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    collector, writer = Collector(source), Writer(url, schema, source)
    rows = [writer.row(f"agg-{a}") for a in range(10)]
    rows.insert(3, writer.row("poison-1", body="{not json"))
    rows.insert(7, writer.row("poison-2", body=json.dumps({"blob": "x" * 5000})))
    good = [e for e in writer.written if not e["aggregate_id"].startswith("poison")]
    relay = RelayProcess(url, schema, tmp_path / "relay.log", "--max-body-bytes", "4096")
    try:
        writer.write(rows)
        writer.events(aggregates=10, per_aggregate=3)  # later events keep flowing
        received = envelopes(collector.wait_for(len(good) + 30))
        assert relay.terminate() == 0
    finally:
        relay.kill()
    assert {e["id"] for e in received} == {e["id"] for e in good + writer.written[12:]}
    cli = [sys.executable, "-m", "outbox_relay", "dead-letters"]
    where = ["--database-url", url, "--schema", schema]
    listed = subprocess.run([*cli, "list", *where], capture_output=True, text=True, check=True)
    letters = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [letter["aggregate_id"] for letter in letters] == ["poison-1", "poison-2"]
    assert "not valid JSON" in letters[0]["error"] and "larger than" in letters[1]["error"]
    requeued = subprocess.run(
        [*cli, "requeue", str(letters[1]["id"]), *where], capture_output=True, text=True
    )
    assert requeued.stdout.strip() == "requeued 1 dead letters"
    again = RelayProcess(url, schema, tmp_path / "again.log", "--max-body-bytes", "65536")
    try:
        (late,) = envelopes(collector.wait_for(len(received) + 1))[len(received) :]
        assert late == {"blob": "x" * 5000}
        assert again.terminate() == 0
    finally:
        again.kill()
        collector.close()


def test_two_relays_share_the_slots_and_keep_each_aggregates_order(
    pg_schema: Database, source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    collector, writer = Collector(source), Writer(url, schema, source)
    flags = ("--lease-ttl", "3", "--batch-size", "100")
    relays = [RelayProcess(url, schema, tmp_path / "a.log", *flags, "--relay-id", "relay-a")]

    def write_for_a_while() -> None:
        for _ in range(30):
            writer.events(aggregates=50, per_aggregate=2)
            time.sleep(0.1)

    writing = threading.Thread(target=write_for_a_while)
    writing.start()
    try:
        time.sleep(0.5)
        relays.append(
            RelayProcess(url, schema, tmp_path / "b.log", *flags, "--relay-id", "relay-b")
        )
        held = _wait_for_shares(url, schema, {"relay-a": 32, "relay-b": 32})
        writing.join()
        assert_all_arrived(collector, writer)
        published = [_published(relay) for relay in relays]
        assert all(count > 0 for count in published) and sum(published) >= len(writer.written)
        assert held == {"relay-a": 32, "relay-b": 32}
        assert [relay.terminate() for relay in relays] == [0, 0]
    finally:
        writing.join()
        for relay in relays:
            relay.kill()
        collector.close()


def test_sigterm_finishes_the_batch_in_flight_marks_it_and_releases_the_leases(
    pg_schema: Database, source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    collector, writer = Collector(source), Writer(url, schema, source)
    writer.events(aggregates=300, per_aggregate=100)
    relay = RelayProcess(url, schema, tmp_path / "relay.log", "--batch-size", "500")
    try:
        collector.wait_for(2000)
        assert relay.terminate() == 0
    finally:
        relay.kill()
    received = {e["id"] for e in envelopes(collector.settle(quiet=0.5))}
    collector.close()
    marked = query(url, schema, "SELECT event_id::text FROM outbox WHERE published_at IS NOT NULL")
    assert received == {row[0] for row in marked}, "published and marked differ"
    assert len(received) < len(writer.written), "the relay finished before SIGTERM"
    held = query(url, schema, "SELECT count(*) FROM outbox_leases WHERE relay_id IS NOT NULL")
    assert held == [(0,)]
    assert relay.log_lines()[-1]["event"] == "stopped"


def _wait_for_shares(url: str, schema: str, expected: dict[str, int]) -> dict[str, int]:
    held: dict[str, int] = {}
    deadline = time.monotonic() + 15
    while held != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = query(url, schema, "SELECT relay_id FROM outbox_leases WHERE relay_id IS NOT NULL")
        held = dict(Counter(str(row[0]) for row in rows))
    return held


def _published(relay: RelayProcess) -> float:
    metrics = get(f"{relay.url}/metrics")[1]
    (line,) = [x for x in metrics.splitlines() if x.startswith("outbox_relay_published_total")]
    return float(line.split()[1])
