# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""The service's side of the cut-over: its ownership record, its outbox's backlog, and the
queues the replicas consume."""

from datetime import UTC, datetime

from kombu.connection import Connection
from kombu.entity import Queue
from sqlalchemy import Engine, func, select, update

from catalog_service.adapters.tables import outbox, ownership


def owner(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(select(ownership.c.owner)))


def set_owner(engine: Engine, new_owner: str) -> None:
    """Switch the record; FOR UPDATE waits for the service's writes in flight."""
    with engine.begin() as connection:
        connection.execute(select(ownership.c.owner).with_for_update())
        connection.execute(update(ownership).values(owner=new_owner, changed_at=datetime.now(UTC)))


def unpublished_events(engine: Engine) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def queue_depths(broker_url: str, names: list[str]) -> dict[str, int | None]:
    """Messages ready in each queue; None for a queue that does not exist (its consumer has
    never started: what the owner published meanwhile reached nobody)."""
    depths: dict[str, int | None] = {}
    with Connection(broker_url, connect_timeout=5) as connection:
        for name in names:
            channel = connection.channel()
            try:
                declared = Queue(name)(channel).queue_declare(passive=True)
                depths[name] = int(declared.message_count)
            except connection.channel_errors:
                depths[name] = None
            finally:
                if channel.is_open:
                    channel.close()
    return depths
