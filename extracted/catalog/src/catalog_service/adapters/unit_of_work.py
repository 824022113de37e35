"""The unit of work on SQLAlchemy: one session, one transaction; the events of what it
changed are written to the outbox in that transaction, numbered per aggregate."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from catalog_service.adapters import outbox
from catalog_service.adapters.orm import products
from catalog_service.adapters.replica import SqlAlchemyInbox
from catalog_service.adapters.repository import (
    SqlAlchemyCategoryRepository,
    SqlAlchemyProductRepository,
)
from catalog_service.adapters.tables import ownership
from catalog_service.domain import events
from catalog_service.service_layer.unit_of_work import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], clock: Callable[[], datetime]):
        self.session_factory = session_factory
        self.clock = clock

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        self.session = self.session_factory()
        self.categories = SqlAlchemyCategoryRepository(self.session)
        self.products = SqlAlchemyProductRepository(self.session)
        self.inbox = SqlAlchemyInbox(self.session, self.clock)
        self._messages: list[outbox.Message] = []
        return self

    def __exit__(self, *args: object) -> None:
        super().__exit__(*args)  # type: ignore[arg-type]
        self.session.close()

    def owner(self) -> str:
        # FOR SHARE: a switch of ownership (FOR UPDATE) waits until this transaction ends.
        query = select(ownership.c.owner).with_for_update(read=True)
        owner = self.session.scalar(query)
        return owner or "monolith"

    def ping(self) -> None:
        self.session.execute(text("SELECT 1"))

    def _record(self, event: events.Event) -> None:
        self._messages.append(outbox.message(event, now=self.clock()))

    def _commit(self) -> None:
        self.session.flush()
        if self._messages:
            connection = self.session.connection()
            last = outbox.write(connection, self._messages)
            for message in self._messages:
                if message.aggregate_type == "product":
                    connection.execute(
                        update(products)
                        .where(products.c.id == message.aggregate_id)
                        .values(version=last[message.aggregate_id])
                    )
            self._messages = []
        self.session.commit()

    def rollback(self) -> None:
        self._messages = []
        self.session.rollback()
