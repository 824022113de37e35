"""`outbox-relay run` as a process on PostgreSQL and on SQLite: rows in, messages out."""

import json
from pathlib import Path

import pytest
from relay_broker import Collector
from relay_harness import (
    RelayProcess,
    Writer,
    assert_order_per_aggregate,
    envelopes,
    get,
    query,
)


@pytest.fixture(params=["postgres", "sqlite"])
def database(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        url, schema = request.getfixturevalue("pg_schema")
        return url, schema
    return request.getfixturevalue("sqlite_url"), "main"


def test_committed_rows_reach_the_broker_in_order_and_are_marked(
    database: tuple[str, str], source: str, tmp_path: Path
) -> None:
    url, schema = database
    collector = Collector(source)
    relay = RelayProcess(url, schema, tmp_path / "relay.log", "--batch-size", "50")
    try:
        writer = Writer(url, schema, source)
        for _ in range(3):  # three commits while the relay runs
            writer.events(aggregates=40, per_aggregate=5)
        received = envelopes(collector.wait_for(600))
        assert sorted(e["id"] for e in received) == sorted(e["id"] for e in writer.written)
        assert_order_per_aggregate(received)
        status, metrics = get(f"{relay.url}/metrics")
        assert status == 200 and "outbox_relay_published_total 600.0" in metrics
        assert get(f"{relay.url}/healthz")[0] == 200
        status, body = get(f"{relay.url}/readyz")
        assert status == 200 and json.loads(body) == {
            "status": "ok", "database": "ok", "broker": "ok"
        }  # fmt: skip
        assert relay.terminate() == 0
    finally:
        relay.kill()
        collector.close()
    unpublished = query(url, schema, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert unpublished == [(0,)]
    held = query(url, schema, "SELECT count(*) FROM outbox_leases WHERE relay_id IS NOT NULL")
    assert held == [(0,)] and query(url, schema, "SELECT count(*) FROM outbox_relays") == [(0,)]
    assert [line["event"] for line in relay.log_lines()][-1] == "stopped"


def test_a_missing_table_stops_the_relay_with_a_message_naming_it(
    tmp_path: Path, source: str
) -> None:
    empty = f"sqlite:///{tmp_path}/empty.db"
    with pytest.raises(AssertionError, match="lacks tables outbox, outbox_dead_letters"):
        RelayProcess(empty, "main", tmp_path / "relay.log")
