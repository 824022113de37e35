"""Schema changes that never queue behind a long transaction (ADR-0014).

ALTER TABLE takes an ACCESS EXCLUSIVE lock, only for a moment, but while it waits for a
transaction that holds the table, every later query on the table waits behind it. So each
change runs in a short transaction of its own that gives up waiting after LOCK_TIMEOUT and
tries again after a pause, and the readers and writers it let through meanwhile never stall
for longer than that.
"""

import time
from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

LOCK_TIMEOUT_MS = 500
ATTEMPTS = 40  # about a minute of pauses before giving up
LOCK_NOT_AVAILABLE = "55P03"


class LockNotTaken(RuntimeError):
    pass


def run_briefly(connection: Connection, statements: Sequence[str]) -> int:
    """Run `statements` in one transaction on a connection of their own; answers the attempts.

    Call it inside Alembic's autocommit_block(), so that the migration's own connection holds
    no lock meanwhile.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with connection.engine.begin() as transaction:
                transaction.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
                for statement in statements:
                    transaction.execute(text(statement))
            return attempt
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt))
    raise LockNotTaken(
        f"gave up after {ATTEMPTS} attempts: a long transaction keeps holding a table of"
        f" {statements[0]!r}; end it (pg_stat_activity) and run the migration again"
    )


def relation_exists(connection: Connection, qualified_name: str, kind: str = "r") -> bool:
    """Whether `schema.name` exists as a table ("r") or view ("v")."""
    row = connection.execute(
        text("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(:name)"),
        {"name": qualified_name},
    ).first()
    return row is not None and row[0] == kind
