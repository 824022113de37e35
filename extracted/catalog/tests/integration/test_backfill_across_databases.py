"""The backfill assumes nothing of where the two schemas live (ADR-0018): here the monolith's
catalog is in one database and the service's schema in another, and the copy, a resumed copy
and the reconciliation work across them, in both of the backfill's ways (PostgreSQL's binary
COPY streamed between the two servers' connections, and row by row)."""

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from catalog_db import ALEMBIC_INI, fresh_database, migrate
from sqlalchemy import Engine, create_engine, text

from catalog_service.adapters.backfill import backfill
from catalog_service.adapters.database import make_engine
from catalog_service.adapters.monolith import MonolithCatalog
from catalog_service.adapters.reconcile import reconcile_categories, reconcile_products

ROWS = 2_500


@pytest.fixture(scope="module")
def monolith_url() -> Iterator[str]:
    """A database of the monolith's own, migrated by its revisions, with a catalog in it."""
    with fresh_database("catalog_it_monolith_") as url:
        config = Config(str(ALEMBIC_INI), ini_section="monolith")
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO catalog.categories (id, slug, name)"
                    " SELECT gen_random_uuid(), 'cat-' || i, 'Category ' || i"
                    " FROM generate_series(1, 5) i"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO catalog.products (id, sku, name, description, category_id,"
                    " price_amount, price_currency, active, created_at, updated_at, version)"
                    " SELECT gen_random_uuid(), 'X-' || i, 'Across ' || i, 'd', c.id, 100 + i,"
                    " 'EUR', i % 7 <> 0, now(), now(), 0"
                    " FROM generate_series(1, :n) i"
                    " JOIN LATERAL (SELECT id FROM catalog.categories ORDER BY slug"
                    " OFFSET i % 5 LIMIT 1) c ON true"
                ),
                {"n": ROWS},
            )
            connection.execute(
                text(
                    "INSERT INTO monolith.outbox_sequences (aggregate_type, aggregate_id,"
                    " last_sequence) SELECT 'product', id::text, 3 FROM catalog.products"
                    " WHERE sku LIKE 'X-1%'"
                )
            )
        engine.dispose()
        yield url


@pytest.fixture
def service_engine() -> Iterator[Engine]:
    """The service's schema in a database of its own."""
    with fresh_database("catalog_it_service_") as url:
        migrate(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.parametrize("streamed", [True, False], ids=["binary COPY", "row by row"])
def test_a_backfill_between_two_databases_copies_every_row_and_resumes(
    monolith_url: str, service_engine: Engine, streamed: bool
) -> None:
    source = MonolithCatalog(monolith_url)
    try:
        first = copy(source, service_engine, streamed, batch_size=1_000, stop_after=1)
        assert first == 1_000
        rest = backfill(source, service_engine, batch_size=700, streamed=streamed)
        assert rest.resumed_after is not None
        assert (rest.copied, rest.total) == (ROWS - 1_000, ROWS)
        assert reconcile_products(source, service_engine).clean
        assert reconcile_categories(source, service_engine).clean
        with service_engine.connect() as connection:
            versions = connection.scalar(
                text("SELECT count(*) FROM catalog_service.products WHERE version = 3")
            )
            sequences = connection.scalar(
                text("SELECT count(*) FROM catalog_service.outbox_sequences")
            )
        assert versions == sequences and versions > 0  # each with its last event's sequence
    finally:
        source.close()


class Killed(Exception):
    """Stands for a SIGKILL: the run stops between two batches."""


def copy(
    source: MonolithCatalog, target: Engine, streamed: bool, *, batch_size: int, stop_after: int
) -> int:
    """A backfill cut short after `stop_after` batches; the rows it had committed."""
    batches = 0

    def progress(_: int) -> None:
        nonlocal batches
        batches += 1
        if batches >= stop_after:
            raise Killed

    with pytest.raises(Killed):
        backfill(source, target, batch_size=batch_size, progress=progress, streamed=streamed)
    with target.connect() as connection:
        return int(connection.scalar(text("SELECT copied FROM catalog_service.backfill_progress")))
