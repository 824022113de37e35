"""Revision 0003 moves a populated database's tables while the old code keeps working.

The old code (step 1's) names `monolith.products` and the like; while 0003 runs, it must see
no error and no stall, even while a long transaction holds a table the migration must lock.
"""

import threading
import time

import psycopg
from alembic import command
from sqlalchemy import func, select

from shop_monolith import seed
from shop_monolith.catalog.models import Product
from shop_monolith.db import make_engine, make_session_factory

from .conftest import alembic_config, fresh_database, schema_tables

# What the old code does, by the old names: reads, a join across contexts, writes.
OLD_CODE = [
    "SELECT count(*) FROM monolith.products WHERE active",
    "SELECT o.id FROM monolith.orders o JOIN monolith.payments p ON p.order_id = o.id"
    " WHERE o.status = 'CONFIRMED' ORDER BY o.created_at DESC LIMIT 20",
    "INSERT INTO monolith.stock_movements (id, product_id, delta, kind, reason, created_at)"
    " SELECT gen_random_uuid(), product_id, 0, 'ADJUSTMENT', 'probe', now()"
    " FROM monolith.stock_items LIMIT 1",
    "UPDATE monolith.stock_items SET on_hand = on_hand"
    " WHERE product_id = (SELECT product_id FROM monolith.stock_items LIMIT 1)",
]
HELD_FOR = 3.0  # seconds a long transaction holds the products table once the move starts


class OldCode:
    """Threads running OLD_CODE in a loop, each statement timed."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url, self.latencies, self.errors = url, list[float](), list[str]()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as db:
            while not self.stop.is_set():
                for statement in OLD_CODE:
                    started = time.perf_counter()
                    try:
                        db.execute(statement)
                    except psycopg.Error as error:
                        self.errors.append(repr(error))
                    self.latencies.append(time.perf_counter() - started)

    def __enter__(self) -> "OldCode":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def test_0003_moves_populated_tables_while_old_code_reads_and_writes() -> None:
    with fresh_database("shop_mig_") as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            seed.seed(session, scale=0.02, currency="EUR")
            products = session.scalar(select(func.count()).select_from(Product))
        command.downgrade(config, "0002")  # the populated database as step 1 left it
        plain = url.replace("+psycopg", "")
        holder = psycopg.connect(plain)  # a slow report, reading products in a long transaction
        holder.execute("SELECT count(*) FROM monolith.products")
        release = threading.Timer(HELD_FOR, holder.rollback)
        try:
            with OldCode(plain) as old:
                time.sleep(0.3)
                release.start()
                started = time.perf_counter()
                command.upgrade(config, "0003")
                took = time.perf_counter() - started
                time.sleep(0.3)
        finally:
            release.cancel()
            holder.close()

        assert old.errors == []
        assert len(old.latencies) > 100
        # Nobody queued behind the move's lock for longer than its lock timeout (0.5 s).
        assert max(old.latencies) < 1.5, sorted(old.latencies)[-5:]
        assert took >= HELD_FOR - 0.5  # it waited for the long transaction, retrying
        with make_session_factory(engine)() as session:  # the new code, by the new names
            assert session.scalar(select(func.count()).select_from(Product)) == products
        command.upgrade(config, "head")
        assert "products" not in schema_tables(engine, "monolith")  # the views are gone
        engine.dispose()
