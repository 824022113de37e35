"""The catalog service's side of its contract with the monolith (pact-python 4, offline): the
service verifies the committed pact (contract/pacts/) against what it really produces. Each
event is made by the service's own use cases and serialised by its own outbox code; the HTTP
interactions are answered by its own FastAPI app, on fakes, in a uvicorn of this test's.
"""

import os

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # offline: no usage report

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pact._server
import pytest
import uvicorn
from catalog_fakes import FakeStore, StepClock
from catalog_http import SECRET
from pact import Verifier
from pact.types import Message

from catalog_service.adapters import outbox
from catalog_service.bootstrap import Catalog, bootstrap
from catalog_service.config import Settings
from catalog_service.domain.model import Category, Money, Product
from catalog_service.entrypoints.http.app import create_app

PACT_FILE = Path(__file__).resolve().parents[4] / "contract" / "pacts"
PACT_FILE = PACT_FILE / "shop-monolith-catalog-service.json"
NOW = datetime(2026, 12, 5, 9, 0, 0, 1, tzinfo=UTC)


def _close_after_shutdown() -> None:
    """pact-python 4.2's own callback servers are shut down but never closed (a socket left
    to the garbage collector: a ResourceWarning, an error under `filterwarnings = error`)."""
    shutdown = pact._server.HandlerHttpServer.shutdown

    def shutdown_and_close(self: Any) -> None:
        shutdown(self)
        self.server_close()

    pact._server.HandlerHttpServer.shutdown = shutdown_and_close  # type: ignore[method-assign]


_close_after_shutdown()


def service() -> tuple[Catalog, FakeStore]:
    store = FakeStore()
    settings = Settings(database_url="sqlite://", secret_key=SECRET)
    return bootstrap(settings, uow=store.uow, clock=StepClock()), store


def published(kind: str, then: str | None) -> Message:
    """The first event of `kind` the service's use cases record when a product is made in a
    category and then `then` (moved out of it and repriced, or deactivated), as its outbox
    writes it."""
    catalog, store = service()
    teapots = catalog.create_category(slug="teapots", name="Teapots")
    product = catalog.create_product(
        sku="TEA-1",
        name="Teapot",
        description="Porcelain",
        category_id=teapots.id,
        price=Money(1500, "EUR"),
    )
    if then == "moved and repriced":
        catalog.change_product(product.id, {"category_id": None, "price": Money(1700, "EUR")})
    elif then == "deactivated":
        catalog.deactivate_product(product.id)
    kinds = [outbox.message(event, now=NOW) for event in store.outbox]
    message = next(item for item in kinds if item.type == kind)
    body = outbox.body(message, sequence=1, traceparent=None)
    return {"contents": body.encode(), "metadata": None, "content_type": "application/json"}


# The pact's message descriptions: the event each is, and what happens to the product first.
EVENTS = {
    "a product_created event": ("product_created", None),
    "a product_changed event of a product without a category": (
        "product_changed",
        "moved and repriced",
    ),
    "a product_deactivated event": ("product_deactivated", "deactivated"),
    "a price_changed event": ("price_changed", "moved and repriced"),
    "a category_created event": ("category_created", None),
}


def produce(name: str, metadata: dict[str, Any] | None = None) -> Message:
    return published(*EVENTS[name])


class Provider:
    """catalog-http's app on fakes, in a uvicorn thread; provider states fill its store."""

    def __init__(self) -> None:
        self.catalog, self.store = service()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        config = uvicorn.Config(
            create_app(self.catalog), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Provider":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def state(self, state: str, action: str, parameters: dict[str, Any] | None) -> None:
        if action != "setup" or state != "an active product":
            return
        product_id = uuid.UUID(str((parameters or {})["id"]))
        teapots = Category(id=uuid.uuid4(), slug="teapots", name="Teapots")
        self.store.products[product_id] = Product(
            id=product_id,
            sku="TEA-1",
            name="Teapot",
            description="Porcelain",
            category=teapots,
            price=Money(1500, "EUR"),
            active=True,
            created_at=NOW,
            updated_at=NOW,
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    with Provider() as running:
        yield running


def test_the_service_honours_the_monoliths_pact(provider: Provider) -> None:
    verifier = (
        Verifier("catalog-service", host="127.0.0.1")
        .add_source(str(PACT_FILE))
        .add_transport(url=f"http://127.0.0.1:{provider.port}")
        .message_handler(produce)
        .state_handler(provider.state, teardown=False)
    )
    verifier.verify()
    assert verifier.results["result"] is True
