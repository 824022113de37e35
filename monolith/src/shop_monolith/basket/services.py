import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_monolith.basket.models import BasketLine
from shop_monolith.basket.repositories import BasketRepository
from shop_monolith.catalog import facade as catalog
from shop_monolith.catalog.facade import ProductView
from shop_monolith.shared.errors import NotFound

MAX_QUANTITY = 99


@dataclass(frozen=True)
class BasketLineView:
    """A line of the basket with the product as the catalog describes it now."""

    product: ProductView
    quantity: int

    @property
    def product_id(self) -> uuid.UUID:
        return self.product.id


@dataclass(frozen=True)
class BasketView:
    lines: list[BasketLineView]
    currency: str

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total(self) -> int:
        return sum(line.quantity * line.product.price_amount for line in self.lines)


def lines(session: Session, customer_id: uuid.UUID) -> list[BasketLineView]:
    """The basket's lines in the order they were added, each with its product from the
    catalog (one call for all of them; a product is never deleted, only deactivated)."""
    stored: list[BasketLine] = BasketRepository(session).lines(customer_id)
    products = catalog.products_by_id(session, [line.product_id for line in stored])
    return [
        BasketLineView(product=products[line.product_id], quantity=line.quantity)
        for line in stored
        if line.product_id in products
    ]


def view(session: Session, customer_id: uuid.UUID, *, currency: str) -> BasketView:
    return BasketView(lines=lines(session, customer_id), currency=currency)


def set_quantity(
    session: Session,
    customer_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    *,
    currency: str,
    retried: bool = False,
) -> BasketView:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValueError(f"quantity {quantity} out of range")  # the web layer validates first
    if catalog.find_product(session, product_id) is None:
        raise NotFound("The product")
    baskets = BasketRepository(session)
    line = baskets.get(customer_id, product_id)
    if line is None:
        baskets.add(BasketLine(customer_id=customer_id, product_id=product_id, quantity=quantity))
    else:
        line.quantity = quantity
    try:
        session.commit()
    except IntegrityError:
        # A concurrent request added the same product first: setting is idempotent, so retry
        # once (the line exists now, so the retry updates it).
        session.rollback()
        if retried:
            raise
        return set_quantity(
            session, customer_id, product_id, quantity, currency=currency, retried=True
        )
    return view(session, customer_id, currency=currency)


def remove(
    session: Session, customer_id: uuid.UUID, product_id: uuid.UUID, *, currency: str
) -> BasketView:
    BasketRepository(session).remove(customer_id, product_id)
    session.commit()
    return view(session, customer_id, currency=currency)


def clear(session: Session, customer_id: uuid.UUID) -> None:
    BasketRepository(session).clear(customer_id)
    session.commit()


def lock(session: Session, customer_id: uuid.UUID) -> None:
    """Hold the customer's basket until the caller's transaction ends (one checkout at a time)."""
    BasketRepository(session).lock(customer_id)


def remove_products(session: Session, customer_id: uuid.UUID, product_ids: list[uuid.UUID]) -> None:
    """Take these products out of the basket, in the caller's transaction (a paid order)."""
    baskets = BasketRepository(session)
    for product_id in product_ids:
        baskets.remove(customer_id, product_id)
