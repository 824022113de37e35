"""Applying the owner's events while this side is a replica of the catalog (ADR-0018): the
catch-up during the cut-over, and the way back after a rollback.

Each event is applied once (the inbox keeps its id), and a product only ever moves forward:
an event whose sequence is not above the product's version carries an older state, so it
changes nothing. Applying records no event: a replica never re-publishes (no echo).
"""

from enum import Enum

from catalog_service.service_layer.handlers import OWNER
from catalog_service.service_layer.unit_of_work import AbstractUnitOfWork, Received


class Outcome(Enum):
    APPLIED = "applied"
    STALE = "stale"  # a later state is here already
    DUPLICATE = "duplicate"  # applied before
    OWN = "own"  # this side owns writes: the event is its own, back from the broker
    NOT_STATE = "not-state"  # carries no state of its own (price_changed)


def apply(uow: AbstractUnitOfWork, event: Received) -> Outcome:
    with uow:
        if uow.owner() == OWNER:
            return Outcome.OWN
        if not uow.inbox.add(event):
            return Outcome.DUPLICATE
        outcome = Outcome.NOT_STATE
        if event.category is not None:
            uow.categories.put_snapshot(event.category)
            outcome = Outcome.APPLIED
        if event.product is not None:
            if event.product.category is not None:
                uow.categories.put_snapshot(event.product.category)
            kept = uow.products.put_snapshot(event.product, version=event.sequence)
            outcome = Outcome.APPLIED if kept else Outcome.STALE
        # Last, as every writer does (the unit of work, the backfill): rows in one order,
        # categories, products, then sequences, so that two writers never deadlock.
        uow.inbox.raise_sequence(event.aggregate_type, event.aggregate_id, event.sequence)
        uow.commit()
        return outcome
