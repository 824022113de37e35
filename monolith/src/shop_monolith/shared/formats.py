"""How the shop writes times and money in JSON: the same in its API and in its events."""

from datetime import UTC, datetime
from typing import Any


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds ("...Z")."""
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were written in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(amount: int, currency: str) -> dict[str, Any]:
    """An amount in integer minor units with its ISO 4217 currency."""
    return {"amount": amount, "currency": currency}
