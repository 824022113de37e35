"""`outbox-relay run | check | dead-letters list | dead-letters requeue | ddl | create-tables`."""

import argparse
import json
import sys
from collections.abc import Mapping

from pydantic import ValidationError

from outbox_relay import ddl
from outbox_relay.bootstrap import make_store
from outbox_relay.entrypoints import serve
from outbox_relay.settings import RelaySettings

# Flag -> setting; each flag overrides its OUTBOX_RELAY_* variable.
RUN_FLAGS = {
    "--broker-url": ("broker_url", str),
    "--batch-size": ("batch_size", int),
    "--pipeline-depth": ("pipeline_depth", int),
    "--lease-ttl": ("lease_ttl_seconds", float),
    "--retention": ("retention_seconds", float),
    "--prune-interval": ("prune_interval_seconds", float),
    "--poll-interval": ("poll_interval_seconds", float),
    "--max-body-bytes": ("max_body_bytes", int),
    "--max-attempts": ("max_attempts", int),
    "--confirm-timeout": ("confirm_timeout_seconds", float),
    "--http-host": ("http_host", str),
    "--http-port": ("http_port", int),
    "--relay-id": ("relay_id", str),
    "--log-level": ("log_level", str),
}
DATABASE_FLAGS = {"--database-url": ("database_url", str), "--schema": ("schema_name", str)}


def _add(parser: argparse.ArgumentParser, flags: Mapping[str, tuple[str, type]]) -> None:
    for flag, (name, kind) in flags.items():
        variable = "OUTBOX_RELAY_" + ("SCHEMA" if name == "schema_name" else name.upper())
        parser.add_argument(flag, dest=name, type=kind, help=f"(env {variable})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outbox-relay", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="publish the outbox until SIGTERM")
    _add(run, {**DATABASE_FLAGS, **RUN_FLAGS})
    check = commands.add_parser("check", help="check that the tables the relay needs exist")
    _add(check, DATABASE_FLAGS)
    letters = commands.add_parser("dead-letters", help="list or requeue dead letters")
    actions = letters.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the oldest dead letters first, as JSON lines")
    listing.add_argument("--limit", type=int, default=100)
    _add(listing, DATABASE_FLAGS)
    requeue = actions.add_parser("requeue", help="move dead letters back into the outbox")
    requeue.add_argument("ids", nargs="*", type=int, help="dead letter ids (the outbox ids)")
    requeue.add_argument("--all", action="store_true", help="every dead letter")
    _add(requeue, DATABASE_FLAGS)
    printing = commands.add_parser("ddl", help="print the reference DDL")
    printing.add_argument("--dialect", choices=["postgresql", "sqlite"], default="postgresql")
    printing.add_argument("--schema", dest="schema_name", default="public")
    create = commands.add_parser("create-tables", help="run the reference DDL (if not exists)")
    _add(create, DATABASE_FLAGS)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "ddl":
        sys.stdout.write(
            ddl.sqlite_ddl() if args.dialect == "sqlite" else ddl.postgresql_ddl(args.schema_name)
        )
        return
    names = {name for name, _ in (*DATABASE_FLAGS.values(), *RUN_FLAGS.values())}
    given = {k: v for k, v in vars(args).items() if k in names and v is not None}
    try:
        settings = RelaySettings(**given)
    except ValidationError as error:
        raise SystemExit(f"outbox-relay: {error}") from error
    if args.command == "run":
        raise SystemExit(serve.run(settings))
    if args.command == "create-tables":
        ddl.create_tables(settings.database_url, settings.schema_name)
        return
    store = make_store(settings)
    try:
        notes = store.prepare()  # SystemExit naming what is missing
        if args.command == "check":
            print("\n".join(["outbox-relay: every table and column is there", *notes]))
        elif args.command == "dead-letters" and args.action == "list":
            for letter in store.dead_letters(args.limit):
                print(json.dumps(vars(letter), default=str))
        elif args.command == "dead-letters":
            if bool(args.ids) == args.all:
                raise SystemExit("outbox-relay: give dead letter ids, or --all")
            moved = store.requeue(None if args.all else args.ids)
            print(f"requeued {moved} dead letters")
    finally:
        store.close()
