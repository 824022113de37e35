"""`shop-monolith catalog-replica` against PostgreSQL and RabbitMQ: the catalog service's
events, published as its relay publishes them, keep the monolith's catalog current; the
process stops cleanly on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import Engine, text

from tests.integration.conftest import alembic_config, fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BROKER = "amqp://guest:guest@127.0.0.1:5672"
T0 = "2026-12-05T09:00:00Z"


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    vhost = f"shop_it_{uuid.uuid4().hex[:10]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    try:
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
        yield f"{BROKER}/{vhost}"
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=True, capture_output=True)


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[str, Engine]]:
    from alembic import command

    from shop_monolith.db import make_engine

    with fresh_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE catalog.ownership SET owner = 'catalog'"))
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="module")
def consumer(
    database: tuple[str, Engine], broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    log = tmp_path_factory.mktemp("catalog-replica") / "consumer.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database[0],
        "SHOP_SECRET_KEY": "x" * 32,
        "SHOP_BROKER_URL": broker_url,
        "SHOP_LOG_FORMAT": "json",
        "FLASK_APP": "shop_monolith.web.app:create_app",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "catalog-replica"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        deadline = time.monotonic() + 30
        with Connection(broker_url) as connection:
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    Queue("monolith.catalog-replica")(connection.channel()).queue_declare(
                        passive=True
                    )
                    break
                except connection.channel_errors:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()


def publish(broker_url: str, *bodies: dict[str, object]) -> None:
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


def event(kind: str, sequence: int, product_id: str, name: str) -> dict[str, object]:
    product = {
        "id": product_id,
        "sku": f"CON-{product_id[:6].upper()}",
        "name": name,
        "description": "",
        "category": None,
        "price": {"amount": 700, "currency": "EUR"},
        "active": True,
        "created_at": T0,
        "updated_at": T0,
    }
    data: dict[str, object] = {"product": product}
    if kind == "product_changed":
        data["changed"] = ["name"]
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "schema_version": 1,
        "source": "catalog",
        "aggregate_type": "product",
        "aggregate_id": product_id,
        "sequence": sequence,
        "occurred_at": T0,
        "traceparent": None,
        "data": data,
    }


def test_the_services_events_keep_the_monolith_catalog_current(
    consumer: Path, broker_url: str, database: tuple[str, Engine]
) -> None:
    engine = database[1]
    product_id = str(uuid.uuid4())
    latest = event("product_changed", 2, product_id, "Kettle")
    publish(broker_url, event("product_created", 1, product_id, "Teapot"), latest, latest)
    publish(broker_url, {"type": "product_changed", "source": "catalog"})  # dropped, logged

    deadline = time.monotonic() + 20
    while True:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT name, version FROM catalog.products WHERE id = :id"),
                {"id": product_id},
            ).first()
        if row is not None and row.version == 2:
            break
        assert time.monotonic() < deadline, consumer.read_text()[-3000:]
        time.sleep(0.1)
    assert row.name == "Kettle"
    time.sleep(0.5)
    log = consumer.read_text()
    assert "catalog_event_dropped" in log
    outcomes = [json.loads(line)["outcome"] for line in log.splitlines() if product_id in line]
    assert outcomes == ["applied", "applied", "duplicate"], outcomes
