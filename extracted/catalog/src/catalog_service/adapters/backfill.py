"""The cut-over's backfill: the monolith's categories and products copied into the service's
schema in batches by id, online, resumable (ADR-0018).

Each batch is one transaction on the service's side: its products (with the categories they
name) and the progress row move together, so a killed copy resumes after the last batch it
committed. A product is written with the sequence of the monolith's last event of it as its
version, and never over a later one: a state the catch-up has applied already (from an
event the monolith published during the copy) is never overwritten by an older copy of it.
An equal version is copied again: the same state, unless the monolith's row was changed
without an event (by hand, by the seed command), which the copy then repairs.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from catalog_service.adapters.monolith import MonolithCatalog
from catalog_service.adapters.orm import categories, products
from catalog_service.adapters.tables import backfill_progress, outbox_sequences

NAME = "products"
PRODUCT_COLUMNS = (
    "id", "sku", "name", "description", "category_id", "price_amount", "price_currency",
    "active", "created_at", "updated_at", "version",
)  # fmt: skip


@dataclass(frozen=True)
class Copied:
    copied: int  # rows copied by this run
    total: int  # rows copied by every run since the start (or the last restart)
    resumed_after: uuid.UUID | None


def backfill(
    source: MonolithCatalog,
    target: Engine,
    *,
    batch_size: int = 50_000,
    restart: bool = False,
    progress: Callable[[int], None] = lambda _: None,
    streamed: bool | None = None,
) -> Copied:
    """Copy every product after the last one copied (all of them with `restart`): streamed
    by binary COPY between two PostgreSQL databases, row by row otherwise (or if `streamed`
    is False)."""
    postgres = target.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    with target.begin() as connection:
        start = _start(connection, insert, restart)
        everyone = source.categories()  # those no product names too: few, copied first
        if everyone:
            statement = insert(categories).on_conflict_do_nothing(index_elements=["id"])
            connection.execute(statement, everyone)
    both_postgres = postgres and source.engine.dialect.name == "postgresql"
    if streamed is None:
        streamed = both_postgres
    if streamed and not both_postgres:
        raise ValueError("a streamed backfill needs PostgreSQL on both sides")
    if streamed:
        copied = copy_batches(source, target, start["last_id"], batch_size, progress)
    else:
        copied = _row_batches(source, target, insert, start["last_id"], batch_size, progress)
    with target.begin() as connection:
        connection.execute(
            backfill_progress.update()
            .where(backfill_progress.c.name == NAME)
            .values(finished_at=_now(), updated_at=_now())
        )
        total = connection.scalar(
            select(backfill_progress.c.copied).where(backfill_progress.c.name == NAME)
        )
    return Copied(copied=copied, total=int(total or 0), resumed_after=start["last_id"])


def _row_batches(
    source: MonolithCatalog,
    target: Engine,
    insert: Any,
    last: uuid.UUID | None,
    batch_size: int,
    progress: Callable[[int], None],
) -> int:
    """Row by row through Python: any pair of databases (SQLite for `make up`)."""
    copied = 0
    while rows := source.products_after(last, batch_size):
        with target.begin() as connection:
            _write(connection, insert, rows)
            last = rows[-1]["id"]
            connection.execute(
                backfill_progress.update()
                .where(backfill_progress.c.name == NAME)
                .values(
                    last_id=last,
                    copied=backfill_progress.c.copied + len(rows),
                    updated_at=_now(),
                )
            )
        copied += len(rows)
        progress(len(rows))
    return copied


def copy_batches(
    source: MonolithCatalog,
    target: Engine,
    last: uuid.UUID | None,
    batch_size: int,
    progress: Callable[[int], None],
) -> int:
    """PostgreSQL to PostgreSQL: each batch streamed from the monolith's COPY into a staging
    table by the service's COPY, in PostgreSQL's binary format (never decoded here), then
    merged by three statements (ADR-0018; `make bench-backfill` measures it)."""
    copied = 0
    source_pooled, target_pooled = source.engine.raw_connection(), target.raw_connection()
    source_connection: Any = source_pooled.driver_connection  # psycopg's own, for its COPY
    target_connection: Any = target_pooled.driver_connection
    try:
        with target_connection.cursor() as cursor:
            cursor.execute(STAGING)
        target_connection.commit()
        while True:
            count, last = _copy_batch(source_connection, target_connection, last, batch_size)
            if count == 0:
                return copied
            copied += count
            progress(count)
    finally:
        source_pooled.close()
        target_pooled.close()


def _copy_batch(
    source: Any, target: Any, last: uuid.UUID | None, batch_size: int
) -> tuple[int, uuid.UUID | None]:
    after = last or uuid.UUID(int=0)
    with source.cursor() as reading, target.cursor() as writing:
        with (
            reading.copy(SOURCE_COPY, (after, batch_size)) as out,
            writing.copy("COPY backfill_batch FROM STDIN (FORMAT BINARY)") as into,
        ):
            for block in out:
                into.write(block)
        source.rollback()  # a read: ends the snapshot
        writing.execute(
            "SELECT count(*), (SELECT id FROM backfill_batch ORDER BY id DESC LIMIT 1)"
            " FROM backfill_batch"
        )
        count, batch_last = writing.fetchone()
        if count:
            for statement in MERGE:
                writing.execute(statement)
            writing.execute(PROGRESS, (batch_last, count, _now(), NAME))
    target.commit()  # ON COMMIT DELETE ROWS empties the staging table
    return int(count), batch_last


def _start(connection: Connection, insert: Any, restart: bool) -> dict[str, Any]:
    now = _now()
    fresh = {"name": NAME, "last_id": None, "copied": 0, "started_at": now, "updated_at": now}
    statement = insert(backfill_progress).values(fresh)
    if restart:
        statement = statement.on_conflict_do_update(
            index_elements=["name"], set_={key: value for key, value in fresh.items()}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["name"])
    connection.execute(statement)
    row = connection.execute(
        select(backfill_progress).where(backfill_progress.c.name == NAME)
    ).one()
    return dict(row._mapping)


def _write(connection: Connection, insert: Any, rows: list[dict[str, Any]]) -> None:
    named = {
        row["category_id"]: {
            "id": row["category_id"],
            "slug": row["category_slug"],
            "name": row["category_name"],
        }
        for row in rows
        if row["category_id"] is not None
    }
    if named:
        statement = insert(categories).on_conflict_do_nothing(index_elements=["id"])
        connection.execute(statement, list(named.values()))
    statement = insert(products)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={name: statement.excluded[name] for name in PRODUCT_COLUMNS if name != "id"},
        where=products.c.version <= statement.excluded.version,
    )
    connection.execute(statement, [{name: row[name] for name in PRODUCT_COLUMNS} for row in rows])
    numbered = [
        {
            "aggregate_type": "product",
            "aggregate_id": str(row["id"]),
            "last_sequence": row["version"],
        }
        for row in rows
        if row["version"] > 0
    ]
    if numbered:
        upsert = insert(outbox_sequences)
        last, offered = outbox_sequences.c.last_sequence, upsert.excluded.last_sequence
        upsert = upsert.on_conflict_do_update(
            index_elements=["aggregate_type", "aggregate_id"],
            set_={"last_sequence": case((offered > last, offered), else_=last)},
        )
        connection.execute(upsert, numbered)


def _now() -> datetime:
    return datetime.now(UTC)


# The monolith's side (its migrations 0003-0007): a batch of products by id, each with its
# category and the sequence of its last event, as PostgreSQL's binary COPY.
SOURCE_COPY = """
COPY (
    SELECT p.id, p.sku, p.name, p.description, p.category_id, p.price_amount,
           p.price_currency, p.active, p.created_at, p.updated_at,
           c.slug, c.name, COALESCE(s.last_sequence, 0)::bigint
    FROM catalog.products p
    LEFT JOIN catalog.categories c ON c.id = p.category_id
    LEFT JOIN monolith.outbox_sequences s
        ON s.aggregate_type = 'product' AND s.aggregate_id = p.id::text
    WHERE p.id > %s
    ORDER BY p.id
    LIMIT %s
) TO STDOUT (FORMAT BINARY)
"""
# The same columns, in the same types (binary COPY checks nothing but the count). The merge
# takes its rows in one order, categories, products, then sequences, each by id, as every other
# writer of these tables does (the unit of work, the replica): no two of them deadlock.
STAGING = """
CREATE TEMP TABLE IF NOT EXISTS backfill_batch (
    id uuid, sku varchar(32), name varchar(200), description text, category_id uuid,
    price_amount bigint, price_currency varchar(3), active boolean,
    created_at timestamptz, updated_at timestamptz,
    category_slug varchar(64), category_name varchar(100), version bigint
) ON COMMIT DELETE ROWS
"""
MERGE = (
    """
    INSERT INTO catalog_service.categories (id, slug, name)
    SELECT DISTINCT category_id, category_slug, category_name FROM backfill_batch
    WHERE category_id IS NOT NULL
    ORDER BY category_id
    ON CONFLICT (id) DO NOTHING
    """,
    """
    INSERT INTO catalog_service.products AS p (id, sku, name, description, category_id,
        price_amount, price_currency, active, created_at, updated_at, version)
    SELECT id, sku, name, description, category_id, price_amount, price_currency, active,
           created_at, updated_at, version
    FROM backfill_batch
    ORDER BY id
    ON CONFLICT (id) DO UPDATE SET
        sku = excluded.sku, name = excluded.name, description = excluded.description,
        category_id = excluded.category_id, price_amount = excluded.price_amount,
        price_currency = excluded.price_currency, active = excluded.active,
        created_at = excluded.created_at, updated_at = excluded.updated_at,
        version = excluded.version
    WHERE p.version <= excluded.version
    """,
    """
    INSERT INTO catalog_service.outbox_sequences AS s (aggregate_type, aggregate_id, last_sequence)
    SELECT 'product', id::text, version FROM backfill_batch WHERE version > 0
    ORDER BY id
    ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE
    SET last_sequence = GREATEST(s.last_sequence, excluded.last_sequence)
    """,
)
PROGRESS = """
UPDATE catalog_service.backfill_progress
SET last_id = %s, copied = copied + %s, updated_at = %s
WHERE name = %s
"""
