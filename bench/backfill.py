"""make bench-backfill: the catalog's cut-over backfill (ADR-0018) against a plain
`INSERT ... SELECT` of the same rows, and what it does to the shop's product reads.

A fresh PostgreSQL database gets both sides' schemas (their own migrations) and
BENCH_BACKFILL_ROWS products in the monolith's catalog (a category each, half of them with an
event sequence). Then, BENCH_ROUNDS times, in turn first:

(a) plain: one `INSERT INTO catalog_service.products SELECT ...` of the same rows, with the
    same join (categories, sequences), into the same empty, indexed table;
(b) backfill: `catalog-service cutover backfill` as the code runs it (batches of
    BENCH_BACKFILL_BATCH, each a transaction with its progress row), into that table emptied.

The ratio is plain seconds / backfill seconds (1.0: as fast as the plain statement); the
figures are medians over the rounds. Then the reads: the monolith's `GET
/api/v1/products/{id}` (gunicorn, 2 workers) paced at BENCH_READ_RATE requests/s for
BENCH_SECONDS, once alone and once while a backfill runs; their p99s, pooled over the rounds.
"""

import os
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from bench.common import Latencies, paced
from catalog_service.adapters.backfill import backfill
from catalog_service.adapters.monolith import MonolithCatalog

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROWS = int(os.environ.get("BENCH_BACKFILL_ROWS", "1000000"))
BATCH = int(os.environ.get("BENCH_BACKFILL_BATCH", "50000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
READ_RATE = float(os.environ.get("BENCH_READ_RATE", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
APP = "shop_monolith.web.app:create_app()"
SECRET = "bench-backfill-secret-key-0123456789abcdef"  # noqa: S105 - a throwaway database's

PLAIN = """
INSERT INTO catalog_service.categories (id, slug, name)
SELECT id, slug, name FROM catalog.categories;
INSERT INTO catalog_service.products (id, sku, name, description, category_id, price_amount,
    price_currency, active, created_at, updated_at, version)
SELECT p.id, p.sku, p.name, p.description, p.category_id, p.price_amount, p.price_currency,
       p.active, p.created_at, p.updated_at, COALESCE(s.last_sequence, 0)
FROM catalog.products p
LEFT JOIN catalog.categories c ON c.id = p.category_id
LEFT JOIN monolith.outbox_sequences s
    ON s.aggregate_type = 'product' AND s.aggregate_id = p.id::text;
"""
EMPTY = """
TRUNCATE catalog_service.products, catalog_service.categories CASCADE;
TRUNCATE catalog_service.outbox_sequences, catalog_service.backfill_progress;
"""
SEED = """
INSERT INTO catalog.categories (id, slug, name)
SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i FROM generate_series(1, 50) i;
INSERT INTO catalog.products (id, sku, name, description, category_id, price_amount,
    price_currency, active, created_at, updated_at, version)
SELECT gen_random_uuid(), 'B-' || i, 'Bench product ' || i,
       'A product made for the backfill benchmark, number ' || i,
       (SELECT id FROM catalog.categories ORDER BY slug OFFSET (i % 50) LIMIT 1),
       100 + i % 10000, 'EUR', i % 17 <> 0, now(), now(), 0
FROM generate_series(1, {rows}) i;
INSERT INTO monolith.outbox_sequences (aggregate_type, aggregate_id, last_sequence)
SELECT 'product', id::text, 1 + (abs(hashtext(id::text)) % 5)
FROM catalog.products WHERE abs(hashtext(id::text)) % 2 = 0;
"""


@contextmanager
def database() -> Iterator[str]:
    name = f"shop_bench_backfill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(url: str) -> None:
    for section in ("monolith", "catalog_service"):
        config = Config(str(ROOT / "migrations" / "alembic.ini"), ini_section=section)
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")


def run_sql(url: str, statements: str) -> float:
    """Run SQL of our own (no parameters) as one simple query; its seconds."""
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(statements.encode())
    return time.perf_counter() - started


def run_backfill(url: str) -> float:
    source, target = MonolithCatalog(url), create_engine(url)
    try:
        started = time.perf_counter()
        done = backfill(source, target, batch_size=BATCH, restart=True)
        seconds = time.perf_counter() - started
    finally:
        source.close()
        target.dispose()
    assert done.copied == ROWS, done
    return seconds


@contextmanager
def monolith_web(url: str) -> Iterator[str]:
    port = free_port()
    environment = os.environ | {"DATABASE_URL": url, "SHOP_SECRET_KEY": SECRET}
    argv = ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", APP]
    server = subprocess.Popen(
        argv,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the monolith did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(20)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reads(base: str, product_id: str) -> Latencies:
    return paced(f"{base}/api/v1/products/{product_id}", rate=READ_RATE, seconds=SECONDS)


def main() -> None:
    with database() as url:
        print(f"seeding {ROWS:,} products ...", flush=True)
        migrate(url)
        run_sql(url, SEED.format(rows=ROWS))
        run_sql(url, "VACUUM ANALYZE")
        with psycopg.connect(url.replace("+psycopg", "")) as connection:
            row = connection.execute(
                "SELECT id::text FROM catalog.products WHERE active LIMIT 1"
            ).fetchone()
        assert row is not None
        product_id = str(row[0])
        plain, copied = [], []
        for number in range(ROUNDS):
            order = ["plain", "backfill"] if number % 2 == 0 else ["backfill", "plain"]
            for kind in order:
                run_sql(url, EMPTY)
                run_sql(url, "VACUUM ANALYZE catalog_service.products")
                if kind == "plain":
                    plain.append(run_sql(url, PLAIN))
                else:
                    copied.append(run_backfill(url))
            print(
                f"round {number + 1}: INSERT ... SELECT {plain[-1]:.2f} s,"
                f" backfill {copied[-1]:.2f} s ({plain[-1] / copied[-1]:.2f})",
                flush=True,
            )
        alone, during = [], []
        with monolith_web(url) as base:
            for _ in range(ROUNDS):
                alone.append(reads(base, product_id))
                run_sql(url, EMPTY)
                copying = threading.Thread(target=run_backfill, args=(url,))
                copying.start()
                during.append(reads(base, product_id))
                copying.join()
        quiet, busy = Latencies.pooled(alone).result(), Latencies.pooled(during).result()
        print(f"reads alone:           {quiet.line('GET /api/v1/products/{id}')}")
        print(f"reads during backfill: {busy.line('GET /api/v1/products/{id}')}")
        plain_s, copied_s = statistics.median(plain), statistics.median(copied)
        print(
            f"backfill: rows={ROWS} seconds={copied_s:.2f} insert_select_seconds={plain_s:.2f}"
            f" ratio={plain_s / copied_s:.2f} read_p99={quiet.p99_ms:.1f} ms"
            f" read_p99_during={busy.p99_ms:.1f} ms"
        )


if __name__ == "__main__":
    main()
