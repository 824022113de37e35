"""The two kinds of database URL the relay takes: postgresql://... and sqlite:///path."""

import re
from pathlib import Path

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    """The database file of sqlite:///relative/path or sqlite:////absolute/path."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        raise ValueError(f"a SQLite URL names its database file: sqlite:///path, not {url!r}")
    return Path(url.removeprefix("sqlite:///"))


def libpq_url(url: str) -> str:
    """The URL libpq reads: SQLAlchemy's driver suffix (postgresql+psycopg://) removed."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"expected postgresql://... or sqlite:///path, not {url!r}")
    return f"postgresql://{rest}"


def checked_schema(schema: str) -> str:
    """The schema name, refused unless a plain identifier: it is written into SQL."""
    if not IDENTIFIER.fullmatch(schema):
        raise ValueError(f"schema must be a plain SQL identifier, not {schema!r}")
    return schema
