"""The PostgreSQL store's statements for one schema, composed with quoted identifiers."""

from typing import LiteralString

from psycopg import sql

from outbox_relay.database_url import checked_schema

# The body as UTF-8 bytes (bytea): no decoding and encoding again on the way to the broker.
_EVENT = sql.SQL(
    "o.id, o.event_id::text, o.source, o.event_type, o.slot, o.occurred_at, o.traceparent, "
    "convert_to(o.body, 'UTF8'), o.attempts"
)
_MOVED = sql.SQL(
    "id, event_id, source, event_type, aggregate_id, sequence, slot, occurred_at, traceparent, body"
)

_TEXTS: dict[str, LiteralString] = {
    "listen": "LISTEN {channel}",
    "add_lease_rows": "INSERT INTO {leases} (slot) SELECT generate_series(0, 63) "
    "ON CONFLICT (slot) DO NOTHING",
    "columns": "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = %s AND table_name LIKE 'outbox%%'",
    "notify_triggers": "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
    "AND tgrelid = to_regclass(%s)",
    # Each slot's oldest rows through the (slot, id) partial index; the outer LIMIT takes a
    # prefix of each slot's rows, so no slot's order is ever broken.
    "fetch": "SELECT {event} FROM unnest(%s::smallint[]) AS s(slot) CROSS JOIN LATERAL "
    "(SELECT * FROM {outbox} AS i WHERE i.slot = s.slot AND i.published_at IS NULL "
    "ORDER BY i.id LIMIT %s) AS o LIMIT %s",
    "mark_published": "UPDATE {outbox} SET published_at = now() WHERE id = ANY(%s)",
    "mark_returned": "UPDATE {outbox} AS o SET published_at = now(), last_error = r.error "
    "FROM unnest(%s::bigint[], %s::text[]) AS r(id, error) WHERE o.id = r.id",
    "mark_refused": "UPDATE {outbox} AS o SET attempts = r.attempts, last_error = r.error "
    "FROM unnest(%s::bigint[], %s::text[], %s::int[]) AS r(id, error, attempts) "
    "WHERE o.id = r.id",
    "dead_letter": "WITH moved AS (DELETE FROM {outbox} AS o "
    "USING unnest(%s::bigint[], %s::text[], %s::int[]) AS r(id, error, attempts) "
    "WHERE o.id = r.id RETURNING o.*, r.error AS error, r.attempts AS tries) "
    "INSERT INTO {dead} ({moved}, attempts, error, dead_lettered_at) "
    "SELECT {moved}, tries, error, now() FROM moved",
    # %s twice: the dead letters' ids, or NULL for all of them.
    "requeue": "WITH moved AS (DELETE FROM {dead} WHERE %s::bigint[] IS NULL OR id = ANY(%s) "
    "RETURNING {moved}) INSERT INTO {outbox} (event_id, source, event_type, aggregate_id, "
    "sequence, slot, occurred_at, traceparent, body) SELECT event_id, source, event_type, "
    "aggregate_id, sequence, slot, occurred_at, traceparent, body FROM moved ORDER BY id",
    "dead_letters": "SELECT id, event_id::text, source, event_type, aggregate_id, sequence, "
    "attempts, error, dead_lettered_at FROM {dead} ORDER BY id LIMIT %s",
    "backlog": "SELECT (SELECT count(*) FROM {outbox} WHERE published_at IS NULL), "
    "(SELECT min(occurred_at) FROM {outbox} WHERE published_at IS NULL), "
    "(SELECT count(*) FROM {dead})",
    "prune": "DELETE FROM {outbox} WHERE id IN (SELECT id FROM {outbox} "
    "WHERE published_at < now() - make_interval(secs => %s) AND slot = ANY(%s) LIMIT %s)",
    "heartbeat": "INSERT INTO {relays} (relay_id, started_at, heartbeat_at, expires_at) "
    "VALUES (%s, now(), now(), now() + make_interval(secs => %s)) ON CONFLICT (relay_id) "
    "DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at",
    "forget_expired": "DELETE FROM {relays} WHERE expires_at < now()",
    "live_relays": "SELECT relay_id FROM {relays}",
    "renew": "UPDATE {leases} SET expires_at = now() + make_interval(secs => %s) "
    "WHERE relay_id = %s RETURNING slot",
    # SKIP LOCKED: two relays claiming at once each take different free slots.
    "claim": "UPDATE {leases} SET relay_id = %s, expires_at = now() + make_interval(secs => %s) "
    "WHERE slot IN (SELECT slot FROM {leases} WHERE relay_id IS NULL OR expires_at < now() "
    "ORDER BY slot LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING slot",
    "release": "UPDATE {leases} SET relay_id = NULL, expires_at = NULL "
    "WHERE relay_id = %s AND slot = ANY(%s)",
    "release_all": "UPDATE {leases} SET relay_id = NULL, expires_at = NULL WHERE relay_id = %s",
    "forget": "DELETE FROM {relays} WHERE relay_id = %s",
}


class PostgresStatements:
    """Each statement of _TEXTS as an attribute, its tables in the given schema."""

    def __init__(self, schema: str) -> None:
        checked_schema(schema)
        self.outbox_name = f'"{schema}".outbox'
        names = {
            "channel": sql.Identifier(f"{schema}.outbox"),
            "outbox": sql.Identifier(schema, "outbox"),
            "dead": sql.Identifier(schema, "outbox_dead_letters"),
            "relays": sql.Identifier(schema, "outbox_relays"),
            "leases": sql.Identifier(schema, "outbox_leases"),
            "event": _EVENT,
            "moved": _MOVED,
        }
        for name, text in _TEXTS.items():
            setattr(self, name, sql.SQL(text).format(**names))

    def __getattr__(self, name: str) -> sql.Composed:
        raise AttributeError(f"no statement {name!r}; the statements are: {', '.join(_TEXTS)}")
