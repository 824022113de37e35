import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_monolith.basket.models import BasketLine
from shop_monolith.basket.repositories import BasketRepository
from shop_monolith.catalog import facade as catalog
from shop_monolith.shared.errors import NotFound

MAX_QUANTITY = 99


@dataclass(frozen=True)
class BasketView:
    lines: list[BasketLine]
    currency: str

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total(self) -> int:
        return sum(line.quantity * line.product.price_amount for line in self.lines)


def view(session: Session, customer_id: uuid.UUID, *, currency: str) -> BasketView:
    return BasketView(lines=BasketRepository(session).lines(customer_id), currency=currency)


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
