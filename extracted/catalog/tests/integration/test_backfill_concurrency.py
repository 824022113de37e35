"""The backfill and the catch-up write the same rows at once (ADR-0018): products and their
sequences, in the service's schema. Both take rows in one order, so neither ever deadlocks
the other (it did, once, when the replica raised a sequence before writing its product)."""

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from catalog_db import ALEMBIC_INI, SECRET, fresh_database, migrate, set_owner
from sqlalchemy import create_engine, text

from catalog_service.adapters.backfill import backfill
from catalog_service.adapters.database import make_engine
from catalog_service.adapters.monolith import MonolithCatalog
from catalog_service.bootstrap import bootstrap
from catalog_service.config import Settings
from catalog_service.domain import events
from catalog_service.service_layer.unit_of_work import Received

pytestmark = pytest.mark.slow

ROWS = 2_000


@pytest.fixture(scope="module")
def monolith_url() -> Iterator[str]:
    with fresh_database("catalog_it_race_") as url:
        config = Config(str(ALEMBIC_INI), ini_section="monolith")
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO catalog.products (id, sku, name, description, category_id,"
                    " price_amount, price_currency, active, created_at, updated_at, version)"
                    " SELECT gen_random_uuid(), 'R-' || i, 'Race ' || i, '', NULL, 100, 'EUR',"
                    " true, now(), now(), 0 FROM generate_series(1, :n) i"
                ),
                {"n": ROWS},
            )
            connection.execute(
                text(
                    "INSERT INTO monolith.outbox_sequences SELECT 'product', id::text, 2"
                    " FROM catalog.products"
                )
            )
        engine.dispose()
        yield url


def test_the_backfill_and_the_catch_up_never_deadlock(monolith_url: str) -> None:
    with fresh_database("catalog_it_race_service_") as service_url:
        migrate(service_url)
        target = make_engine(service_url)
        set_owner(target, "monolith")
        source = MonolithCatalog(monolith_url)
        catalog = bootstrap(Settings(database_url=service_url, secret_key=SECRET))
        ids = [row["id"] for row in source.all_products()]
        failures: list[BaseException] = []
        stop = threading.Event()

        def catch_up() -> None:
            sequence = 3
            try:
                while not stop.is_set():
                    for product_id in ids[::7]:
                        catalog.apply(changed(product_id, sequence))
                    sequence += 1
            except BaseException as error:
                failures.append(error)

        applying = threading.Thread(target=catch_up)
        applying.start()
        try:
            for _ in range(3):
                backfill(source, target, batch_size=100, restart=True)
        except BaseException as error:
            failures.append(error)
        finally:
            stop.set()
            applying.join(60)
            catalog.close()
            source.close()
            target.dispose()
        assert failures == []


def changed(product_id: uuid.UUID, sequence: int) -> Received:
    now = datetime.now(UTC)
    product = events.ProductSnapshot(
        id=product_id,
        sku=f"R-{product_id.hex[:8]}",
        name="Raced",
        description="",
        category=None,
        price=events.Price(100, "EUR"),
        active=True,
        created_at=now,
        updated_at=now,
    )
    return Received(
        uuid.uuid4(), "product_changed", "product", product_id, sequence, product=product
    )
