"""The start-up check: every table and column the relay reads or writes is there."""

from collections.abc import Mapping, Set

from outbox_relay.ddl import REQUIRED


def missing_message(found: Mapping[str, Set[str]], where: str) -> str | None:
    """What is missing, given each table found and its columns; None when nothing is."""
    missing_tables = [table for table in REQUIRED if table not in found]
    missing_columns = [
        f"{table}.{column}"
        for table, columns in REQUIRED.items()
        if table in found
        for column in columns
        if column not in found[table]
    ]
    if not missing_tables and not missing_columns:
        return None
    parts = []
    if missing_tables:
        parts.append(f"tables {', '.join(missing_tables)}")
    if missing_columns:
        parts.append(f"columns {', '.join(missing_columns)}")
    return (
        f"outbox-relay: {where} lacks {'; '.join(parts)}. Create them as outbox_relay/ddl.py "
        'does (`outbox-relay ddl` prints it; the relay\'s README, "Tables", explains them).'
    )
