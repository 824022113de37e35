from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def map(self, convert: Callable[[T], U]) -> "Page[U]":
        """The same page with each item converted (an ORM row into a facade's value)."""
        return Page([convert(item) for item in self.items], self.total, self.page, self.per_page)


def paginate(session: Session, query: Select[T], page: int, per_page: int) -> Page[T]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=items, total=total or 0, page=page, per_page=per_page)
