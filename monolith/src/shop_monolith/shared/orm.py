import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The one registry of mapped classes; each context's tables are on a MetaData of its own
    (`schema_metadata`), so a foreign key can only name a table of the same context."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


def schema_metadata(schema: str) -> MetaData:
    """The MetaData of one context's tables, all in the database schema of that name."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def _same_as_created_at(context: DefaultExecutionContext) -> datetime:
    """A new row's updated_at: its created_at exactly, not a second clock reading."""
    created_at: datetime = context.get_current_parameters()["created_at"]  # type: ignore[no-untyped-call]
    return created_at


class HasTimestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=_same_as_created_at, onupdate=utcnow)


def insert_if_absent(session: Session, model: type[Base], **values: object) -> None:
    """Insert a row unless one with its primary key exists (racing inserts make one row)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    keys = [column.name for column in inspect(model).primary_key]
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))
