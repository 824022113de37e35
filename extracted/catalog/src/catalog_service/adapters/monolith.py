"""The monolith's catalog, as the cut-over reads and switches it: through its tables' names
and columns, described here, never through its code (the deployables share none). Its
database may be another than the service's: a URL of its own (on SQLite, its main file, with
the catalog context's file beside it, attached as the monolith attaches it).
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    and_,
    cast,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url

# The monolith's tables, as its migrations 0003-0007 made them (only the columns read here).
CATALOG, OWN = "catalog", "monolith"
_catalog, _own = MetaData(schema=CATALOG), MetaData(schema=OWN)
categories = Table(
    "categories",
    _catalog,
    Column("id", Uuid, primary_key=True),
    Column("slug", String(64)),
    Column("name", String(100)),
)
products = Table(
    "products",
    _catalog,
    Column("id", Uuid, primary_key=True),
    Column("sku", String(32)),
    Column("name", String(200)),
    Column("description", Text),
    Column("category_id", Uuid),
    Column("price_amount", BigInteger),
    Column("price_currency", String(3)),
    Column("active", Boolean),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)
ownership = Table(
    "ownership",
    _catalog,
    Column("singleton", BigInteger, primary_key=True),
    Column("owner", String(16)),
    Column("changed_at", DateTime(timezone=True)),
)
outbox = Table(
    "outbox",
    _own,
    Column("id", BigInteger, primary_key=True),
    Column("source", String(64)),
    Column("published_at", DateTime(timezone=True)),
)
outbox_sequences = Table(
    "outbox_sequences",
    _own,
    Column("aggregate_type", String(32), primary_key=True),
    Column("aggregate_id", String(64), primary_key=True),
    Column("last_sequence", BigInteger),
)


class MonolithCatalog:
    def __init__(self, database_url: str) -> None:
        self.engine = _engine(database_url)
        postgres = self.engine.dialect.name == "postgresql"
        id_text = cast(products.c.id, String) if postgres else _dashed(products.c.id)
        sequence = outbox_sequences.c
        self._products = (
            select(
                *products.c,
                categories.c.slug.label("category_slug"),
                categories.c.name.label("category_name"),
                func.coalesce(sequence.last_sequence, 0).label("version"),
            )
            .outerjoin(categories, categories.c.id == products.c.category_id)
            .outerjoin(
                outbox_sequences,
                and_(sequence.aggregate_type == "product", sequence.aggregate_id == id_text),
            )
        )

    def close(self) -> None:
        self.engine.dispose()

    def categories(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(select(categories))]

    def count_products(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(products)) or 0)

    def products_after(self, last_id: uuid.UUID | None, limit: int) -> list[dict[str, Any]]:
        """The next `limit` products by id, each with the sequence of its last event (the
        version of its state: both read in one statement, one snapshot)."""
        query = self._products.order_by(products.c.id).limit(limit)
        if last_id is not None:
            query = query.where(products.c.id > last_id)
        with self.engine.connect() as connection:
            return [_utc(dict(row._mapping)) for row in connection.execute(query)]

    def all_products(self, batch: int = 10_000) -> Iterator[dict[str, Any]]:
        """Every product, by id."""
        last: uuid.UUID | None = None
        while rows := self.products_after(last, batch):
            yield from rows
            last = rows[-1]["id"]

    def owner(self) -> str:
        with self.engine.connect() as connection:
            return str(connection.scalar(select(ownership.c.owner)))

    def set_owner(self, owner: str) -> None:
        """Switch the record. FOR UPDATE waits for the monolith's writes in flight (they hold
        it FOR SHARE), and no write starts before this commits."""
        with self.engine.begin() as connection:
            connection.execute(select(ownership.c.owner).with_for_update())
            connection.execute(update(ownership).values(owner=owner, changed_at=datetime.now(UTC)))

    def unpublished_events(self) -> int:
        """The catalog's events still in the monolith's outbox, waiting for its relay."""
        query = (
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.source == "catalog", outbox.c.published_at.is_(None))
        )
        with self.engine.connect() as connection:
            return int(connection.scalar(query) or 0)


def _engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True)
    main = Path(url.database or "")
    catalog_file = main.with_suffix(f".{CATALOG}{main.suffix}")
    engine = create_engine(url, execution_options={"schema_translate_map": {OWN: None}})

    @event.listens_for(engine, "connect")
    def attach(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("ATTACH DATABASE ? AS ?", (str(catalog_file), CATALOG))
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def _dashed(column: Column[uuid.UUID]) -> ColumnElement[str]:
    """SQLAlchemy keeps a UUID on SQLite as 32 hex digits; outbox_sequences has it dashed."""
    pieces = [func.substr(column, start, length) for start, length in _UUID_PIECES]
    joined: ColumnElement[str] = pieces[0]
    for piece in pieces[1:]:
        joined = joined + "-" + piece
    return joined


_UUID_PIECES = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]


def _utc(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands back naive times (written in UTC)."""
    for key in ("created_at", "updated_at"):
        value = row[key]
        if value.tzinfo is None:
            row[key] = value.replace(tzinfo=UTC)
    return row
