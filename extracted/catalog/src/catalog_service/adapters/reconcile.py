"""The cut-over's reconciliation: both sides' catalogs compared row by row on a canonical hash
of what the contract shows of each product and category (ADR-0018).

Both sides are read in id order, in batches, and merged: a row only the owner has is
missing, a row only the copy has is extra, a row both have with another hash is different.
"""

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from catalog_service.adapters.monolith import MonolithCatalog
from catalog_service.adapters.orm import categories, products

SAMPLES = 5
_SERVICE_PRODUCTS = select(
    *products.c,
    categories.c.slug.label("category_slug"),
    categories.c.name.label("category_name"),
).outerjoin(categories, categories.c.id == products.c.category_id)


@dataclass
class Difference:
    rows: tuple[int, int] = (0, 0)  # the monolith's, the service's
    missing: list[uuid.UUID] = field(default_factory=list)  # only in the monolith
    extra: list[uuid.UUID] = field(default_factory=list)  # only in the service
    different: list[uuid.UUID] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.different)

    def summary(self, what: str) -> str:
        line = (
            f"{what}: monolith {self.rows[0]}, service {self.rows[1]};"
            f" missing {len(self.missing)}, extra {len(self.extra)},"
            f" different {len(self.different)}"
        )
        for name in ("missing", "extra", "different"):
            ids: list[uuid.UUID] = getattr(self, name)
            if ids:
                line += f"\n  {name}, e.g. " + ", ".join(str(i) for i in ids[:SAMPLES])
        return line


def product_hash(row: dict[str, Any]) -> str:
    """A digest of what the contract shows of a product (ProductPublic)."""
    shown = [
        row["sku"],
        row["name"],
        row["description"],
        str(row["category_id"]) if row["category_id"] else None,
        row["category_slug"],
        row["category_name"],
        int(row["price_amount"]),
        row["price_currency"],
        bool(row["active"]),
        _time(row["created_at"]),
        _time(row["updated_at"]),
    ]
    return hashlib.blake2b(json.dumps(shown).encode(), digest_size=16).hexdigest()


def category_hash(row: dict[str, Any]) -> str:
    return hashlib.blake2b(json.dumps([row["slug"], row["name"]]).encode()).hexdigest()


def reconcile_products(source: MonolithCatalog, target: Engine) -> Difference:
    left = ((row["id"], product_hash(row)) for row in source.all_products())
    right = ((row["id"], product_hash(row)) for row in _service_products(target))
    return compare(left, right)


def reconcile_categories(source: MonolithCatalog, target: Engine) -> Difference:
    left = sorted((row["id"], category_hash(row)) for row in source.categories())
    with target.connect() as connection:
        rows = connection.execute(select(categories)).all()
    right = sorted((row.id, category_hash(dict(row._mapping))) for row in rows)
    return compare(iter(left), iter(right))


def compare(
    left: Iterable[tuple[uuid.UUID, str]], right: Iterable[tuple[uuid.UUID, str]]
) -> Difference:
    """Merge two streams of (id, hash), each in id order."""
    found = Difference()
    counts = [0, 0]
    lefts, rights = iter(left), iter(right)
    a, b = next(lefts, None), next(rights, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            found.missing.append(a[0])
            counts[0] += 1
            a = next(lefts, None)
        elif a is None or b[0] < a[0]:
            found.extra.append(b[0])
            counts[1] += 1
            b = next(rights, None)
        else:
            if a[1] != b[1]:
                found.different.append(a[0])
            counts[0] += 1
            counts[1] += 1
            a, b = next(lefts, None), next(rights, None)
    found.rows = (counts[0], counts[1])
    return found


def _service_products(target: Engine, batch: int = 10_000) -> Iterator[dict[str, Any]]:
    last: uuid.UUID | None = None
    while True:
        query = _SERVICE_PRODUCTS.order_by(products.c.id).limit(batch)
        if last is not None:
            query = query.where(products.c.id > last)
        with target.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def _time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()
