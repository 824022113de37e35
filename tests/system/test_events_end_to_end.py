"""Step 2's promise: a nameko service's @event_handler receives the monolith's events over the
real RabbitMQ, each as contract/events/ describes it, in order per aggregate, carrying the
trace of the request that caused it.

The step's topology runs (monolith, worker, relay, proxy, on a vhost of its own); a nameko 2.14
service subscribed to every event of the contract runs as a subprocess (eventlet stays out of
this process), and the test drives the shop over HTTP through the proxy, as a client would.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from client import (
    API,
    ShopClient,
    address,
    admin_client,
    assert_status,
    card,
    register_customer,
    unique_sku,
    unique_slug,
    wait_for_terminal,
)
from event_schemas import published_types, validate
from kombu import Connection, Queue

import shop_topology

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LISTENER = Path(__file__).with_name("nameko_shop_listener.py")  # run by path, never imported
SERVICE = "shop_events_listener"
EVENTS = sorted(published_types())
DECLINING_CARD = "4000000000000002"


def queue_name(source: str, event_type: str) -> str:
    """nameko's name for an event handler's queue."""
    return f"evt-{source}-{event_type}--{SERVICE}.on_{source}_{event_type}"


class Traced:
    """Requests that each carry a traceparent of their own trace; remembers which is which."""

    def __init__(self) -> None:
        self.trace_ids: list[str] = []

    def headers(self) -> dict[str, str]:
        trace_id = secrets.token_hex(16)
        self.trace_ids.append(trace_id)
        return {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[shop_topology.RunningTopology]:
    with shop_topology.start(database="postgres") as running:
        assert running.broker_url, "the step's topology has no broker"
        yield running


@pytest.fixture(scope="module")
def handled(
    shop: shop_topology.RunningTopology, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The file the nameko service appends each handled event to; its queues exist."""
    work = tmp_path_factory.mktemp("nameko")
    output, broker_url = work / "handled.jsonl", shop.broker_url
    assert broker_url is not None
    pairs = [f"{source}:{event_type}" for source, event_type in EVENTS]
    with (work / "nameko.log").open("wb") as log:
        nameko = subprocess.Popen(
            [sys.executable, str(LISTENER), SERVICE, str(output), broker_url, *pairs],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_queues(broker_url, [queue_name(*event) for event in EVENTS], nameko)
        yield output
    finally:
        nameko.terminate()
        nameko.wait(20)


def wait_for_queues(broker_url: str, names: list[str], nameko: subprocess.Popen[bytes]) -> None:
    """An event published before its handler's queue exists reaches nobody: wait for them."""
    deadline = time.monotonic() + 60
    with Connection(broker_url) as connection:
        for name in names:
            while True:
                assert nameko.poll() is None, "the nameko service exited"
                try:
                    Queue(name)(connection.channel()).queue_declare(passive=True)
                    break
                except connection.channel_errors:
                    assert time.monotonic() < deadline, f"nameko did not declare {name}"
                    time.sleep(0.2)


def read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def wait_for(
    path: Path, expected: set[tuple[str, str]], timeout: float = 30, quiet: float = 1.0
) -> list[dict[str, Any]]:
    """The handled events, once every expected kind has come and nothing more for `quiet` s."""
    deadline = time.monotonic() + timeout
    count, changed = -1, time.monotonic()
    while True:
        records = read(path)
        if len(records) != count:
            count, changed = len(records), time.monotonic()
        seen = {(record["source"], record["type"]) for record in records}
        settled = expected <= seen and time.monotonic() - changed >= quiet
        if settled or time.monotonic() > deadline:
            assert expected <= seen, f"never handled: {sorted(expected - seen)}"
            return records
        time.sleep(0.1)


def drive_the_shop(base_url: str, admin_email: str, admin_password: str, traced: Traced) -> None:
    """Every kind of change; each request that makes events carries a trace of its own."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        admin = admin_client(http, admin_email, admin_password)

        def call(caller: ShopClient, method: str, path: str, status: int, **kw: Any) -> Any:
            headers = traced.headers() | kw.pop("headers", {})
            response = caller.request(method, f"{API}{path}", headers=headers, **kw)
            assert_status(response, status)
            return response.json()

        named = {"slug": unique_slug(), "name": "Events"}
        category = call(admin, "POST", "/categories", 201, json=named)
        price = {"amount": 1000, "currency": "EUR"}
        body = {"sku": unique_sku(), "name": "Lamp", "description": "", "price": price}
        product = call(admin, "POST", "/admin/products", 201, json=body)
        path = f"/admin/products/{product['id']}"
        change = {"price": {"amount": 900, "currency": "EUR"}, "category_id": category["id"]}
        call(admin, "PATCH", path, 200, json=change)
        call(admin, "POST", f"{path}/stock-adjustments", 201, json={"delta": 10, "reason": "e2e"})
        customer = register_customer(admin.anonymous())
        orders = []
        for number in ("4242424242424242", DECLINING_CARD, "4242424242424242"):
            basket_line = customer.api.put(
                f"{API}/basket/items/{product['id']}", json={"quantity": 1}
            )  # the basket publishes no events: no trace to follow
            assert_status(basket_line, 200)
            key = {"Idempotency-Key": secrets.token_hex(8)}
            order = {"shipping_address": address(), "payment": card(number)}
            placed = call(customer.api, "POST", "/orders", 201, json=order, headers=key)
            orders.append(wait_for_terminal(customer.api, placed["id"]))
        assert [order["status"] for order in orders] == ["CONFIRMED", "REJECTED", "CONFIRMED"]
        key = {"Idempotency-Key": secrets.token_hex(8)}
        call(customer.api, "POST", f"/orders/{orders[0]['id']}/cancel", 200, headers=key)
        call(admin, "POST", f"/admin/orders/{orders[2]['id']}/ship", 200)
        call(admin, "POST", f"{path}/deactivate", 200)


def test_a_nameko_service_receives_every_event_of_the_contract(
    shop: shop_topology.RunningTopology, handled: Path
) -> None:
    traced = Traced()
    drive_the_shop(shop.base_url, shop.admin_email, shop.admin_password, traced)
    records = wait_for(handled, set(EVENTS))

    # nameko gives each handler a queue of its own: order holds within a queue (one event type
    # of one aggregate); across types, the consumer orders by sequence (ADR-0016).
    per_queue: dict[tuple[str, str, str], list[int]] = {}
    per_aggregate: dict[tuple[str, str], set[int]] = {}
    for record in records:
        envelope = validate(json.dumps(record["body"]))  # the contract's schemas
        assert (envelope["source"], envelope["type"]) == (record["source"], record["type"])
        aggregate = (envelope["aggregate_type"], envelope["aggregate_id"])
        per_queue.setdefault((*aggregate, envelope["type"]), []).append(envelope["sequence"])
        per_aggregate.setdefault(aggregate, set()).add(envelope["sequence"])
    for key, sequences in per_queue.items():
        first_seen = list(dict.fromkeys(sequences))  # duplicates allowed, by the same id
        assert first_seen == sorted(first_seen), f"{key} out of order: {sequences}"
    for aggregate, numbers in per_aggregate.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"{aggregate}: a gap"

    traceparents = [record["body"]["traceparent"] for record in records]
    caused = {traceparent.split("-")[1] for traceparent in traceparents if traceparent}
    # Every event made by a request carries that request's trace (the registration, sent by
    # the contract suite's client without a traceparent, starts a trace of its own).
    assert set(traced.trace_ids) <= caused
    for record in records:
        assert record["trace"] == record["body"]["traceparent"]  # nameko's context data


def test_the_relay_reports_what_it_published(shop: shop_topology.RunningTopology) -> None:
    metrics = httpx.get(shop.url("monolith-relay") + "/metrics", timeout=5).text
    published = [
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("outbox_relay_published_total")
    ]
    assert published and sum(published) > 0
    assert "outbox_relay_backlog" in metrics and "outbox_relay_lag_seconds" in metrics
