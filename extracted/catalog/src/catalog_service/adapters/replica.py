"""A replica's writes on SQLAlchemy: the owner's state kept as it comes, by upserts that
only move forward, and the inbox of applied events."""

import uuid
from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from catalog_service.adapters.orm import categories, products
from catalog_service.adapters.tables import inbox, outbox_sequences
from catalog_service.domain import events
from catalog_service.service_layer.unit_of_work import AbstractInbox, Received


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, with its ON CONFLICT clauses."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def put_category(session: Session, category: events.CategorySnapshot) -> None:
    values = {"id": category.id, "slug": category.slug, "name": category.name}
    statement = insert_for(session)(categories).values(values)
    session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


def put_product(session: Session, product: events.ProductSnapshot, *, version: int) -> bool:
    values = product_row(product, version=version)
    statement = insert_for(session)(products).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={name: statement.excluded[name] for name in values if name != "id"},
        where=products.c.version < statement.excluded.version,
    ).returning(products.c.id)
    return session.execute(statement).first() is not None


def product_row(product: events.ProductSnapshot, *, version: int) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category_id": product.category.id if product.category else None,
        "price_amount": product.price.amount,
        "price_currency": product.price.currency,
        "active": product.active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "version": version,
    }


class SqlAlchemyInbox(AbstractInbox):
    def __init__(self, session: Session, clock: Any) -> None:
        self.session, self.clock = session, clock

    def add(self, event: Received) -> bool:
        row = {
            "event_id": event.id,
            "event_type": event.type,
            "aggregate_id": str(event.aggregate_id),
            "sequence": event.sequence,
            "received_at": self.clock(),
        }
        statement = insert_for(self.session)(inbox).values(row)
        statement = statement.on_conflict_do_nothing(index_elements=["event_id"])
        return self.session.execute(statement.returning(inbox.c.event_id)).first() is not None

    def raise_sequence(self, aggregate_type: str, aggregate_id: uuid.UUID, sequence: int) -> None:
        row = {
            "aggregate_type": aggregate_type,
            "aggregate_id": str(aggregate_id),
            "last_sequence": sequence,
        }
        statement = insert_for(self.session)(outbox_sequences).values(row)
        last, offered = outbox_sequences.c.last_sequence, statement.excluded.last_sequence
        statement = statement.on_conflict_do_update(
            index_elements=["aggregate_type", "aggregate_id"],
            set_={"last_sequence": case((offered > last, offered), else_=last)},
        )
        self.session.execute(statement)
