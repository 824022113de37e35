"""A real nameko 2.14 service receives, through its @event_handler, what the relay published."""

# mypy: disallow-untyped-calls=False
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Connection, Queue
from relay_harness import BROKER_URL, TRACEPARENT, RelayProcess, Writer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
# Run by path, never imported: its eventlet.monkey_patch() must not enter this process.
LISTENER = Path(__file__).with_name("nameko_listener.py")
SERVICE = "relay_listener"


def wait_for_queue(name: str, timeout: float = 60) -> None:
    """nameko declares its handler's queue as it starts: events written before would be lost."""
    deadline = time.monotonic() + timeout
    with Connection(BROKER_URL) as connection:
        while time.monotonic() < deadline:
            try:
                Queue(name)(connection.channel()).queue_declare(passive=True)
                return
            except connection.channel_errors:
                time.sleep(0.2)
    raise AssertionError(f"nameko did not declare {name} in {timeout} s")


def delete_queue(name: str) -> None:
    with Connection(BROKER_URL) as connection:
        connection.channel().queue_delete(name)


def test_a_nameko_event_handler_receives_the_relays_events(
    pg_schema: tuple[str, str], source: str, tmp_path: Path
) -> None:
    url, schema = pg_schema
    handled = tmp_path / "handled.jsonl"
    queue = f"evt-{source}-thing.happened--{SERVICE}.on_thing_happened"
    with (tmp_path / "nameko.log").open("wb") as log:
        nameko = subprocess.Popen(
            [sys.executable, str(LISTENER), SERVICE, source, str(handled), BROKER_URL],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    relay = None
    try:
        wait_for_queue(queue)
        relay = RelayProcess(url, schema, tmp_path / "relay.log")
        writer = Writer(url, schema, source)
        writer.events(aggregates=10, per_aggregate=5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_lines(handled)) < 50:
            time.sleep(0.1)
        lines = _lines(handled)
        assert sorted(json.dumps(line["payload"]) for line in lines) == sorted(
            json.dumps(envelope) for envelope in writer.written
        )
        assert {line["traceparent"] for line in lines} == {TRACEPARENT}
        assert relay.terminate() == 0
    finally:
        if relay is not None:
            relay.kill()
        nameko.terminate()
        nameko.wait(20)
        delete_queue(queue)


def _lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]
