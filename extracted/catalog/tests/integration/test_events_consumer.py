"""catalog-events, the nameko process, against the real RabbitMQ: the owner's events arrive
and are applied once each, only forward; eventlet and psycopg cooperate."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_db import fresh_vhost, set_owner
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import Engine, text

pytestmark = pytest.mark.slow

EVENT_TYPES = [
    "category_created",
    "product_created",
    "product_changed",
    "product_deactivated",
    "price_changed",
]


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    with fresh_vhost() as url:
        yield url


@pytest.fixture(scope="module")
def consumer(
    database_url: str, engine: Engine, broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """catalog-events running as a replica (the monolith owns writes), its queues declared."""
    set_owner(engine, "monolith")
    log = tmp_path_factory.mktemp("catalog-events") / "events.log"
    environment = {
        **os.environ,
        "CATALOG_DATABASE_URL": database_url,
        "CATALOG_SECRET_KEY": "not-used-by-this-process-but-required",
        "CATALOG_BROKER_URL": broker_url,
        "CATALOG_LOG_FORMAT": "json",
    }
    # Declared ahead, as the topology does, then taken over by nameko with the same arguments.
    declared = subprocess.run(
        [sys.executable, "-m", "catalog_service.entrypoints.cli", "events", "--declare"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert declared.returncode == 0, declared.stderr
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "catalog_service.entrypoints.cli", "events"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        wait_for_queues(broker_url, process, log)
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()


def wait_for_queues(broker_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with Connection(broker_url) as connection:
        for event_type in EVENT_TYPES:
            name = f"evt-catalog-{event_type}--catalog_service.on_{event_type}"
            while True:
                assert process.poll() is None, f"catalog-events exited:\n{log.read_text()}"
                try:
                    Queue(name)(connection.channel()).queue_declare(passive=True)
                    break
                except connection.channel_errors:
                    assert time.monotonic() < deadline, f"no queue {name}:\n{log.read_text()}"
                    time.sleep(0.2)


def publish(broker_url: str, *bodies: dict[str, object]) -> None:
    """As the outbox relay publishes: topic exchange catalog.events, routing key the type."""
    exchange = Exchange("catalog.events", type="topic", durable=True)
    with Connection(broker_url) as connection:
        producer = Producer(connection.channel(), exchange=exchange)
        for body in bodies:
            producer.publish(
                json.dumps(body),
                routing_key=str(body["type"]),
                content_type="application/json",
                delivery_mode=2,
                declare=[exchange],
            )


def envelope(kind: str, sequence: int, product: dict[str, object]) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "schema_version": 1,
        "source": "catalog",
        "aggregate_type": "product",
        "aggregate_id": product["id"],
        "sequence": sequence,
        "occurred_at": "2026-12-05T09:00:00Z",
        "traceparent": None,
        "data": {"product": product},
    }


def product_json(name: str, **fields: object) -> dict[str, object]:
    return {
        "id": fields.pop("id"),
        "sku": "EVT-1",
        "name": name,
        "description": "",
        "category": {"id": CATEGORY_ID, "slug": "evt", "name": "Events"},
        "price": {"amount": 990, "currency": "EUR"},
        "active": True,
        "created_at": "2026-12-05T09:00:00Z",
        "updated_at": "2026-12-05T09:00:00Z",
        **fields,
    }


CATEGORY_ID = str(uuid.uuid4())


def product_row(engine: Engine, product_id: str) -> dict[str, object] | None:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT name, active, version FROM catalog_service.products WHERE id = :id"),
            {"id": product_id},
        ).first()
    return dict(row._mapping) if row else None


def wait_until(check: object, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not applied in time:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def test_the_owners_events_are_applied_once_each_and_only_forward(
    consumer: Path, broker_url: str, engine: Engine
) -> None:
    product_id = str(uuid.uuid4())
    created = envelope("product_created", 1, product_json("Early", id=product_id))
    changed = envelope("product_changed", 2, {**product_json("Late", id=product_id)})
    changed["data"]["changed"] = ["name"]  # type: ignore[index]
    deactivated = envelope("product_deactivated", 3, product_json("Late", id=product_id))
    deactivated["data"]["product"]["active"] = False  # type: ignore[index]
    # Out of order and twice: the later state wins, whatever arrives last.
    publish(broker_url, deactivated, changed, created, deactivated)

    wait_until(lambda: (product_row(engine, product_id) or {}).get("version") == 3, consumer)
    time.sleep(0.5)  # the late and repeated ones, applied or not, by now
    assert product_row(engine, product_id) == {"name": "Late", "active": False, "version": 3}
    outcomes = [
        json.loads(line)["outcome"]
        for line in consumer.read_text().splitlines()
        if line.startswith("{") and product_id in line
    ]
    # One queue per event type, so the order of arrival varies; each event is handled once,
    # the repeated one is a duplicate, and an older state arriving later is stale.
    assert len(outcomes) == 4 and outcomes.count("duplicate") == 1, outcomes
    assert set(outcomes) <= {"applied", "stale", "duplicate"}, outcomes
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM catalog_service.outbox")) == 0


def test_a_message_that_is_no_catalog_event_is_dropped_and_the_rest_flow(
    consumer: Path, broker_url: str, engine: Engine
) -> None:
    product_id = str(uuid.uuid4())
    broken = envelope("product_changed", 1, {"id": product_id})
    good = envelope("product_created", 1, product_json("Fine", id=product_id, sku="EVT-2"))
    publish(broker_url, broken, good)
    wait_until(lambda: product_row(engine, product_id) is not None, consumer)
    assert "event_dropped" in consumer.read_text()


def test_psycopg_yields_to_eventlets_hub(database_url: str) -> None:
    """Ten half-second queries at once take about half a second, not five."""
    script = textwrap.dedent(
        f"""
        import time
        import eventlet
        eventlet.monkey_patch()
        from catalog_service.entrypoints.events_process import cooperative_psycopg
        cooperative_psycopg()
        import psycopg
        def sleep():
            with psycopg.connect({database_url.replace("+psycopg", "")!r}) as connection:
                connection.execute("SELECT pg_sleep(0.5)")
        pool = eventlet.GreenPool()
        started = time.monotonic()
        for _ in range(10):
            pool.spawn(sleep)
        pool.waitall()
        print(time.monotonic() - started)
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) < 1.5
