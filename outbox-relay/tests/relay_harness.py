"""What the integration tests run against: databases, a writer like the shop's, relay processes."""

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from outbox_relay.database_url import is_sqlite, libpq_url, sqlite_path

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
INSERT = (
    "INSERT INTO outbox (event_id, source, event_type, aggregate_id, sequence, slot, "
    "occurred_at, traceparent, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"outbox_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def slot_of(aggregate_id: str) -> int:
    return zlib.crc32(aggregate_id.encode()) % 64


@dataclass
class Writer:
    """Writes outbox rows as the shop will: one sequence per aggregate, the body an envelope."""

    database_url: str
    schema: str
    source: str
    sequences: dict[str, int] = field(default_factory=dict)
    written: list[dict[str, object]] = field(default_factory=list)

    def row(
        self, aggregate_id: str, event_type: str = "thing.happened", body: str | None = None
    ) -> tuple[object, ...]:
        sequence = self.sequences[aggregate_id] = self.sequences.get(aggregate_id, 0) + 1
        event_id = str(uuid.uuid4())
        occurred_at = datetime.now(UTC)
        envelope = {
            "id": event_id,
            "type": event_type,
            "schema_version": 1,
            "source": self.source,
            "aggregate_type": "thing",
            "aggregate_id": aggregate_id,
            "sequence": sequence,
            "occurred_at": occurred_at.isoformat(),
            "traceparent": TRACEPARENT,
            "data": {"n": len(self.written)},
        }
        self.written.append(envelope)
        sqlite = is_sqlite(self.database_url)
        return (
            uuid.UUID(event_id).hex if sqlite else event_id,
            self.source,
            event_type,
            aggregate_id,
            sequence,
            slot_of(aggregate_id),
            occurred_at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else occurred_at,
            TRACEPARENT,
            json.dumps(envelope) if body is None else body,
        )

    def write(self, rows: list[tuple[object, ...]]) -> None:
        """All the rows in one transaction (the tests' shortcut; the shop commits each)."""
        if is_sqlite(self.database_url):
            with sqlite3.connect(sqlite_path(self.database_url), timeout=30) as connection:
                connection.executemany(INSERT.replace("%s", "?"), rows)
            connection.close()
            return
        with psycopg.connect(
            libpq_url(self.database_url), options=f"-c search_path={self.schema}"
        ) as connection:
            connection.cursor().executemany(INSERT, rows)

    def events(self, aggregates: int, per_aggregate: int) -> None:
        """Interleaved: every aggregate's first event, then every second one, and so on."""
        self.write([self.row(f"agg-{a}") for _ in range(per_aggregate) for a in range(aggregates)])


class RelayProcess:
    """`outbox-relay run` as a child process, its HTTP listener on a free port."""

    def __init__(self, database_url: str, schema: str, log: Path, *flags: str) -> None:
        self.log = log
        command = [
            sys.executable, "-m", "outbox_relay", "run",
            "--database-url", database_url, "--schema", schema,
            "--broker-url", BROKER_URL, "--http-port", "0", *flags,
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUTBOX_RELAY_")}
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
        self.port = int(self._first_line(timeout=20).rsplit(":", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def _first_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.kill()
                raise AssertionError(f"the relay did not start:\n{self.log.read_text()}")
        line = self.process.stdout.readline().decode().strip()
        if "listening on" not in line:
            self.kill()
            raise AssertionError(f"the relay failed ({line!r}):\n{self.log.read_text()}")
        return line

    def terminate(self, timeout: float = 20) -> int:
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout)
        self._close()
        return status

    def kill(self) -> None:
        """SIGKILL, as an OOM killer or a lost node would: no clean-up of any kind."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._close()

    def _close(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()

    def log_lines(self) -> list[dict[str, object]]:
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


def query(database_url: str, schema: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of a read-only look at the tables (unqualified names; the schema is searched)."""
    if is_sqlite(database_url):
        with sqlite3.connect(sqlite_path(database_url)) as connection:
            rows = connection.execute(sql).fetchall()
        connection.close()
        return rows
    with psycopg.connect(libpq_url(database_url), options=f"-c search_path={schema}") as pg:
        return pg.execute(sql.encode()).fetchall()


def get(url: str) -> tuple[int, str]:
    answer = httpx.get(url, timeout=10)
    return answer.status_code, answer.text


def envelopes(messages: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(message.body) for message in messages]


def assert_order_per_aggregate(received: list[dict[str, Any]]) -> None:
    """First occurrences of each aggregate's events come in sequence order; a repeat is the
    same event again (same id), never a different event under a seen sequence."""
    seen: dict[str, int] = {}
    ids: dict[tuple[str, int], str] = {}
    for envelope in received:
        key = (envelope["aggregate_id"], envelope["sequence"])
        assert ids.setdefault(key, envelope["id"]) == envelope["id"]
        last = seen.get(envelope["aggregate_id"], 0)
        if envelope["sequence"] > last:
            assert envelope["sequence"] == last + 1, f"{key} came before {last + 1}"
            seen[envelope["aggregate_id"]] = envelope["sequence"]
