"""`catalog-service`: the service's processes and operations, one subcommand each."""

import argparse
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="catalog-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    http = commands.add_parser("http", help="serve the HTTP API (catalog-http)")
    http.add_argument("--host", default="127.0.0.1")
    http.add_argument("--port", type=int, default=8100)
    http.add_argument("--workers", type=int, default=1)

    events = commands.add_parser("events", help="apply the owner's events (catalog-events)")
    events.add_argument("--broker-url", help="default: CATALOG_BROKER_URL")
    events.add_argument("--http-host", default="127.0.0.1", help="for /healthz and /readyz")
    events.add_argument("--http-port", type=int, default=0, help="0: any free port (printed)")
    events.add_argument(
        "--declare", action="store_true", help="only declare the queues (before anything publishes)"
    )

    grant = commands.add_parser(
        "grant", help="let the runtime role use the service's schema (run as the migration role)"
    )
    grant.add_argument("--role", required=True, help="the runtime role")
    grant.add_argument("--migration-url", help="default: CATALOG_MIGRATION_DATABASE_URL")

    from catalog_service.entrypoints import cutover

    cutover.add_parser(commands)

    arguments = parser.parse_args(argv)
    if arguments.command == "http":
        return _serve_http(arguments.host, arguments.port, arguments.workers)
    if arguments.command == "events":
        from catalog_service.entrypoints import events_process

        if arguments.declare:
            return events_process.declare(broker_url=arguments.broker_url)
        return events_process.run(
            broker_url=arguments.broker_url, host=arguments.http_host, port=arguments.http_port
        )
    if arguments.command == "cutover":
        return cutover.run(arguments)
    if arguments.command == "grant":
        return _grant(arguments.role, arguments.migration_url)
    parser.error(f"unknown command {arguments.command}")  # argparse exits
    return 2


def _grant(role: str, migration_url: str | None) -> int:
    from catalog_service.adapters.database import grant_runtime

    url = migration_url or os.environ.get("CATALOG_MIGRATION_DATABASE_URL")
    if not url:
        print("catalog-service grant: set CATALOG_MIGRATION_DATABASE_URL", file=sys.stderr)
        return 2
    granted = grant_runtime(url, role)
    print(f"{role}: {'granted' if granted else 'nothing to grant on SQLite'}")
    return 0


def _serve_http(host: str, port: int, workers: int) -> int:
    import uvicorn  # only this process runs uvicorn; catalog-events runs eventlet instead

    uvicorn.run(
        "catalog_service.entrypoints.http.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        date_header=True,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
