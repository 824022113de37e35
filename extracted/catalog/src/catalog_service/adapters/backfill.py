"""The cut-over's backfill: the monolith's categories and products copied into the service's
schema in batches by id, online, resumable (ADR-0018).

Each batch is one transaction on the service's side: its products (with the categories they
name) and the progress row move together, so a killed copy resumes after the last batch it
committed. A product is written with the sequence of the monolith's last event of it as its
version, and only over an older version: a state the catch-up has applied already (from an
event the monolith published during the copy) is never overwritten by an older copy of it.
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
    batch_size: int = 5_000,
    restart: bool = False,
    progress: Callable[[int], None] = lambda _: None,
) -> Copied:
    """Copy every product after the last one copied (all of them with `restart`)."""
    insert = pg_insert if target.dialect.name == "postgresql" else sqlite_insert
    with target.begin() as connection:
        start = _start(connection, insert, restart)
    last, copied = start["last_id"], 0
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
        where=products.c.version < statement.excluded.version,
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
