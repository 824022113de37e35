"""The PostgreSQL store's connections: one for statements, one that LISTENs."""

import psycopg

from outbox_relay.adapters.postgres.statements import PostgresStatements
from outbox_relay.database_url import libpq_url

Connection = psycopg.Connection[tuple[object, ...]]
TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError)


class PostgresConnection:
    """Autocommit: a lone statement costs one round trip; several take a transaction."""

    def __init__(self, database_url: str, schema: str, connect_timeout: float = 5.0) -> None:
        self._url = libpq_url(database_url)
        self._schema = schema
        self._sql = PostgresStatements(schema)
        self._connect_timeout = connect_timeout
        self._conn: Connection | None = None
        self._listener: Connection | None = None

    def _connect(self) -> Connection:
        return psycopg.connect(
            self._url,
            autocommit=True,
            connect_timeout=max(1, round(self._connect_timeout)),
            application_name="outbox-relay",
            # A database that vanished mid-statement is noticed within about half a minute,
            # instead of a read that never returns.
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            options="-c statement_timeout=60s",
        )

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def _listening(self) -> Connection:
        if self._listener is None or self._listener.closed:
            self._listener = self._connect()
            self._listener.execute(self._sql.listen)
        return self._listener

    def _reset(self) -> None:
        for connection in (self._conn, self._listener):
            if connection is not None:
                connection.close()
        self._conn = self._listener = None

    def close(self) -> None:
        self._reset()
