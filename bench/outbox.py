# mypy: disallow-untyped-calls=False
# (kombu's functions carry no annotations.)
"""make bench-outbox: the outbox relay's throughput with publisher confirms, end to end from
committed rows, beside the broker's own ceiling for the same messages, and its lag at a
fixed rate.

(a) throughput: BENCH_OUTBOX_ROWS rows are inserted and committed in one transaction while
    the relay (an `outbox-relay run` process) waits; the clock runs from that commit until
    the relay has marked every row published (its metric, then checked in the table).
(b) ceiling: the same messages through the same KombuPublisher, in batches of the same size,
    with no database: what the broker confirms when nothing else is in the way.
(c) lag: a writer process commits one event per transaction at BENCH_OUTBOX_RATE for
    BENCH_SECONDS; a kombu consumer takes receive time minus commit time for each.

Each round runs (a) and (b) back to back, in turn first; the figures are medians over
BENCH_ROUNDS rounds, the ratio the median of the rounds' own ratios.
"""

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer
from psycopg import sql

from bench.common import percentile
from outbox_relay.adapters.broker.publisher import KombuPublisher
from outbox_relay.ddl import create_tables
from outbox_relay.domain.model import OutboxEvent
from outbox_relay.service_layer.ports import Sent

ROWS = int(os.environ.get("BENCH_OUTBOX_ROWS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
RATE = float(os.environ.get("BENCH_OUTBOX_RATE", "1000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
BATCH = int(os.environ.get("BENCH_OUTBOX_BATCH", "1000"))  # the relay's defaults
DEPTH = int(os.environ.get("BENCH_OUTBOX_DEPTH", "2"))
POLL = os.environ.get("BENCH_OUTBOX_POLL", "1")  # the relay's poll interval, in seconds
NOTIFY = os.environ.get("BENCH_OUTBOX_NOTIFY", "1") == "1"  # 0: drop the NOTIFY trigger
AGGREGATES = 10_000
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
SCHEMA = "bench"
COPY = (
    "COPY bench.outbox (event_id, source, event_type, aggregate_id, sequence, slot, "
    "occurred_at, traceparent, body) FROM STDIN"
)
INSERT = (
    "INSERT INTO bench.outbox (event_id, source, event_type, aggregate_id, sequence, slot, "
    "occurred_at, traceparent, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@contextmanager
def database() -> Iterator[str]:
    name = f"outbox_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        create_tables(url, SCHEMA)
        if not NOTIFY:  # the relay then finds new rows by polling alone
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"DROP TRIGGER outbox_notify ON {SCHEMA}.outbox")
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bound_queue(source: str) -> Iterator[tuple[Connection, Queue]]:
    """A durable queue on `<source>.events` (as a nameko handler's is), deleted afterwards."""
    with Connection(BROKER_URL) as connection:
        channel = connection.channel()
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        queue = Queue(f"{source}-bench", exchange, routing_key="#", durable=True)(channel)
        queue.declare()
        try:
            yield connection, queue
        finally:
            queue.delete()
            exchange(channel).delete()


class Events:
    """Envelopes as the shop writes them: one sequence per aggregate, about 450 bytes each."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sequences: dict[str, int] = {}

    def row(self, n: int) -> tuple[Any, ...]:
        aggregate = f"product-{n % AGGREGATES:05d}"
        sequence = self.sequences[aggregate] = self.sequences.get(aggregate, 0) + 1
        event_id, now = str(uuid.uuid4()), datetime.now(UTC)
        body = {
            "id": event_id, "type": "product.price_changed", "schema_version": 1,
            "source": self.source, "aggregate_type": "product", "aggregate_id": aggregate,
            "sequence": sequence, "occurred_at": now.isoformat(), "traceparent": TRACEPARENT,
            "data": {"sku": f"SKU-{n:08d}", "name": f"Product {n}", "price_minor": 1999 + n % 97,
                     "currency": "EUR", "previous_price_minor": 2099, "reason": "benchmark"},
        }  # fmt: skip
        slot = zlib.crc32(aggregate.encode()) % 64
        return (event_id, self.source, "product.price_changed", aggregate, sequence, slot, now,
                TRACEPARENT, json.dumps(body))  # fmt: skip


def insert(url: str, rows: list[tuple[Any, ...]]) -> float:
    """COPY the rows in and commit; answers the wall-clock time of the commit."""
    with psycopg.connect(url) as connection:
        with connection.cursor().copy(COPY) as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.time()


def as_events(rows: list[tuple[Any, ...]]) -> list[OutboxEvent]:
    return [
        OutboxEvent(n, r[0], r[1], r[2], r[5], r[6], r[7], r[8].encode(), 0)
        for n, r in enumerate(rows, 1)
    ]


def ceiling(events: list[OutboxEvent]) -> float:
    """The same publisher with no database: batches of BATCH sent with DEPTH of them awaiting
    confirms at once, as the relay does; events per second."""
    publisher = KombuPublisher(BROKER_URL)
    publisher.connect(timeout=10)
    in_flight: deque[Sent] = deque()
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        in_flight.append(publisher.send(events[start : start + BATCH]))
        while len(in_flight) >= DEPTH or (in_flight and start + BATCH >= len(events)):
            sent = in_flight.popleft()
            outcome = publisher.wait(sent)
            assert len(outcome.confirmed) == len(sent.events), outcome.failure
    elapsed = time.perf_counter() - started
    publisher.close()
    return len(events) / elapsed


class Relay:
    """`outbox-relay run` on the benchmark's database, its metrics read over HTTP."""

    def __init__(self, url: str) -> None:
        command = [sys.executable, "-m", "outbox_relay", "run", "--database-url", url,
                   "--schema", SCHEMA, "--broker-url", BROKER_URL, "--http-port", "0",
                   "--batch-size", str(BATCH), "--pipeline-depth", str(DEPTH),
                   "--poll-interval", POLL, "--log-level", "error"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        self.metrics_url = line.strip().rsplit(" ", 1)[1] + "/metrics"

    def published(self) -> float:
        for line in httpx.get(self.metrics_url, timeout=5).text.splitlines():
            if line.startswith("outbox_relay_published_total "):
                return float(line.split()[1])
        return 0.0

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # utime and stime: fields 14 and 15
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        if self.process.stdout is not None:
            self.process.stdout.close()


def throughput(url: str, relay: Relay, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """Events per second from the commit to the last row marked; and the relay's CPU share.

    Completion is polled coarsely (each scrape takes the relay's GIL for a moment); the end
    is read exactly afterwards: the newest published_at."""
    target = relay.published() + len(rows)
    cpu_before = relay.cpu_seconds()
    committed = insert(url, rows)
    while relay.published() < target:
        time.sleep(0.25)
    cpu = relay.cpu_seconds() - cpu_before
    with psycopg.connect(url) as connection:
        table = sql.Identifier(SCHEMA, "outbox")
        left, last = connection.execute(
            sql.SQL(
                "SELECT count(*) FILTER (WHERE published_at IS NULL), max(published_at) FROM {}"
            ).format(table)
        ).fetchone() or (None, None)
        assert left == 0 and last is not None, "rows left unpublished"
        connection.execute(sql.SQL("TRUNCATE {}").format(table))
    elapsed = last.timestamp() - committed
    return len(rows) / elapsed, cpu / elapsed


def paced_writer(url: str, source: str, rate: float, seconds: int, results: Any) -> None:
    """One event per transaction, the k-th due at start + k / rate; commit times to `results`."""
    events, committed = Events(source), {}
    with psycopg.connect(url, autocommit=True) as connection:
        started = time.monotonic()
        for k in range(int(rate * seconds)):
            time.sleep(max(0.0, started + k / rate - time.monotonic()))
            row = events.row(k)
            connection.execute(INSERT, row)
            committed[row[0]] = time.time()
    results.send(committed)


def lag(url: str, source: str, connection: Connection, queue: Queue) -> list[float]:
    """Milliseconds from each event's commit to its arrival at a consumer."""
    received: dict[str, float] = {}

    def on_message(body: object, message: Any) -> None:
        received[message.properties["message_id"]] = time.time()

    queue.purge()
    reader, writer_end = multiprocessing.Pipe(duplex=False)
    writer = multiprocessing.Process(
        target=paced_writer, args=(url, source, RATE, SECONDS, writer_end)
    )
    with Consumer(connection, [queue], callbacks=[on_message], accept=["json"], no_ack=True):
        writer.start()
        expected = int(RATE * SECONDS)
        deadline = time.monotonic() + SECONDS + 30
        while len(received) < expected and time.monotonic() < deadline:
            with suppress(TimeoutError):
                connection.drain_events(timeout=1)
    committed = reader.recv()
    writer.join()
    missing = set(committed) - set(received)
    assert not missing, f"{len(missing)} events never arrived"
    return sorted((received[i] - at) * 1000 for i, at in committed.items())


def rounds(url: str, relay: Relay, source: str, queue: Queue) -> tuple[list[float], list[float]]:
    """Ceilings and throughputs, a pair a round, each first in every other round (so that a
    drift of the machine's speed during the run favours neither)."""
    ceilings: list[float] = []
    throughputs: list[float] = []
    for n in range(1, ROUNDS + 1):
        events = Events(source)
        rows = [events.row(i) for i in range(ROWS)]
        cpu = 0.0
        for is_ceiling in [True, False] if n % 2 else [False, True]:
            if is_ceiling:
                ceilings.append(ceiling(as_events(rows)))
            else:
                rate, cpu = throughput(url, relay, rows)
                throughputs.append(rate)
            queue.purge()
        print(
            f"round {n}: ceiling {ceilings[-1]:,.0f} ev/s, throughput {throughputs[-1]:,.0f} "
            f"ev/s ({throughputs[-1] / ceilings[-1]:.2f} of the ceiling; relay cpu {cpu:.0%})"
        )
    return ceilings, throughputs


def main() -> None:
    print(
        f"outbox benchmark: {ROWS:,} rows per round, {ROUNDS} rounds, batches of {BATCH} with "
        f"{DEPTH} awaiting confirms, lag at {RATE:g} ev/s for {SECONDS} s; new rows found by "
        f"{'NOTIFY and ' if NOTIFY else ''}a poll every {POLL} s"
    )
    source = f"bench-{uuid.uuid4().hex[:8]}"
    with database() as url, bound_queue(source) as (connection, queue):
        relay = Relay(url)
        try:
            ceilings, throughputs = rounds(url, relay, source, queue)
            lags = lag(url, source, connection, queue)
        finally:
            relay.stop()
    best, top = statistics.median(throughputs), statistics.median(ceilings)
    ratio = statistics.median(t / c for t, c in zip(throughputs, ceilings, strict=True))
    p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
    print(
        f"lag at {RATE:g} ev/s: {len(lags):,} events, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {lags[-1]:.1f} ms"
    )
    print(f"throughput/ceiling={ratio:.2f} (median of the rounds' own ratios)")
    print(
        f"outbox: throughput={best:.0f} ev/s ceiling={top:.0f} ev/s lag_p99@{RATE:g}={p99:.1f} ms"
    )


if __name__ == "__main__":
    main()
