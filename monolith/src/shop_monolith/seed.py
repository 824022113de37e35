"""Deterministic demo and benchmark data: the same scale always gives the same rows."""

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from shop_monolith.catalog.models import Category, Product
from shop_monolith.customers.models import Customer
from shop_monolith.customers.security import hash_password
from shop_monolith.inventory.models import StockItem, StockMovement
from shop_monolith.ordering.models.orders import Order, OrderLine
from shop_monolith.payments.models import Payment, ProviderCharge

BASE = {"products": 10_000, "customers": 1_000, "orders": 50_000}
SEED_PASSWORD = "seed-password"  # noqa: S105 - every seeded customer logs in with it
CATEGORIES = ["Books", "Garden", "Kitchen", "Music", "Outdoor", "Office", "Sports", "Toys"]
ADJECTIVES = ["Classic", "Compact", "Deluxe", "Eco", "Handmade", "Modern", "Sturdy", "Vintage"]
NOUNS = ["Bottle", "Chair", "Lamp", "Mug", "Notebook", "Pan", "Rope", "Tent", "Watch", "Yoyo"]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 2_000
R = TypeVar("R")


class SeedRefused(Exception):
    pass


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _batches(rows: Iterator[R], total: int, label: str) -> Iterator[list[R]]:
    batch: list[R] = []
    with tqdm(total=total, desc=label, unit="row") as bar:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                yield batch
                bar.update(len(batch))
                batch = []
        if batch:
            yield batch
            bar.update(len(batch))


def seed(session: Session, *, scale: float, currency: str) -> dict[str, int]:
    if session.scalar(select(func.count()).select_from(Product)):
        raise SeedRefused("The database has products already; seed an empty database.")
    rng = random.Random(20260101)
    counts = {name: max(1, round(n * scale)) for name, n in BASE.items()}
    categories = [{"id": _uuid(rng), "slug": c.lower(), "name": c} for c in CATEGORIES]
    session.execute(insert(Category), categories)
    products = _products(rng, counts["products"], categories, currency)
    customers = _customers(rng, counts["customers"])
    _insert(session, Product, iter(products), len(products), "products")
    stock = (
        {"product_id": p["id"], "on_hand": rng.randrange(200), "reserved": 0} for p in products
    )
    _insert(session, StockItem, stock, len(products), "stock")
    _insert(session, StockMovement, _initial_movements(rng, session), len(products), "ledger")
    _insert(session, Customer, iter(customers), len(customers), "customers")
    _seed_orders(session, rng, counts["orders"], products, customers, currency)
    session.commit()
    return {"categories": len(categories), **counts}


def _insert(
    session: Session, model: type, rows: Iterator[dict[str, Any]], total: int, label: str
) -> None:
    for batch in _batches(rows, total, label):
        session.execute(insert(model), batch)


def _products(
    rng: random.Random, count: int, categories: list[dict[str, Any]], currency: str
) -> list[dict[str, Any]]:
    products = []
    for n in range(count):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {n:05d}"
        created = EPOCH - timedelta(minutes=rng.randrange(365 * 24 * 60))
        products.append(
            {
                "id": _uuid(rng),
                "sku": f"SEED-{n:06d}",
                "name": name,
                "description": f"A {name.lower()} for everyday use.",
                "category_id": rng.choice(categories)["id"],
                "price_amount": rng.randrange(199, 99_999),
                "price_currency": currency,
                "active": rng.random() > 0.02,
                "created_at": created,
                "updated_at": created,
            }
        )
    return products


def _initial_movements(rng: random.Random, session: Session) -> Iterator[dict[str, Any]]:
    for product_id, on_hand in session.execute(select(StockItem.product_id, StockItem.on_hand)):
        yield {
            "id": _uuid(rng),
            "product_id": product_id,
            "delta": on_hand,
            "kind": "ADJUSTMENT",
            "reason": "initial stock",
            "order_id": None,
            "created_at": EPOCH,
        }


def _customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    password_hash = hash_password(SEED_PASSWORD)  # one hash: Argon2 per row would take minutes
    return [
        {
            "id": _uuid(rng),
            "email": f"customer{n:05d}@shop.example",
            "name": f"Customer {n:05d}",
            "password_hash": password_hash,
            "role": "customer",
            "created_at": EPOCH - timedelta(days=400),
            "updated_at": EPOCH - timedelta(days=400),
        }
        for n in range(count)
    ]


def _seed_orders(
    session: Session,
    rng: random.Random,
    count: int,
    products: list[dict[str, Any]],
    customers: list[dict[str, Any]],
    currency: str,
) -> None:
    statuses = ["CONFIRMED"] * 5 + ["SHIPPED"] * 12 + ["CANCELLED", "REJECTED"]
    payment_status = {
        "CONFIRMED": "CAPTURED",
        "SHIPPED": "CAPTURED",
        "CANCELLED": "REFUNDED",
        "REJECTED": "DECLINED",
    }
    address = {
        "name": "Seed Customer",
        "line1": "1 Seed Street",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    for batch in _batches(iter(range(count)), count, "orders"):
        orders, lines, payments, charges = [], [], [], []
        for _ in batch:
            order_id, status = _uuid(rng), rng.choice(statuses)
            chosen = rng.sample(products, rng.randint(1, 3))
            created = EPOCH - timedelta(minutes=rng.randrange(365 * 24 * 60))
            total = 0
            for position, product in enumerate(chosen, start=1):
                quantity = rng.randint(1, 3)
                total += quantity * product["price_amount"]
                lines.append(
                    {
                        "order_id": order_id,
                        "position": position,
                        "product_id": product["id"],
                        "sku": product["sku"],
                        "name": product["name"],
                        "unit_price_amount": product["price_amount"],
                        "quantity": quantity,
                    }
                )
            orders.append(
                {
                    "id": order_id,
                    "customer_id": rng.choice(customers)["id"],
                    "status": status,
                    "rejection_reason": "payment_declined" if status == "REJECTED" else None,
                    "total_amount": total,
                    "currency": currency,
                    "shipping_address": address,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            charge_id = None if status == "REJECTED" else f"ch_seed_{order_id.hex}"
            payments.append(
                {
                    "order_id": order_id,
                    "status": payment_status[status],
                    "amount": total,
                    "currency": currency,
                    "card_last4": "4242",
                    "attempted_at": created,
                    "provider_charge_id": charge_id,
                    "refund_requested_at": created if status == "CANCELLED" else None,
                }
            )
            # The provider's own ledger knows the seeded charges, so they can be refunded.
            charges.append(
                {
                    "key": f"order-{order_id}",
                    "charge_id": charge_id or f"ch_seed_declined_{order_id.hex}",
                    "status": {"CAPTURED": "approved", "REFUNDED": "refunded"}.get(
                        payment_status[status], "declined"
                    ),
                    "amount": total,
                    "currency": currency,
                    "card_last4": "4242",
                    "created_at": created,
                }
            )
        session.execute(insert(Order), orders)
        session.execute(insert(OrderLine), lines)
        session.execute(insert(Payment), payments)
        session.execute(insert(ProviderCharge), charges)
