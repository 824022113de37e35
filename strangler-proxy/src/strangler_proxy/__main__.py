"""`strangler-proxy serve --routes FILE --port N`; `strangler-proxy export nginx --routes FILE`."""

import argparse
from pathlib import Path

from strangler_proxy import app
from strangler_proxy.control import nginx_export
from strangler_proxy.policy.table import ConfigError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="strangler-proxy")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the proxy")
    serve.add_argument("--routes", type=Path, required=True, help="the routing table (TOML)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--admin-port", type=int, help="health, readiness, metrics and the admin API and page"
    )
    serve.add_argument("--audit-log", type=Path, help="append admin changes here (JSON lines)")
    export = commands.add_parser("export", help="render the routing table for another proxy")
    export.add_argument("format", choices=["nginx"])
    export.add_argument("--routes", type=Path, required=True, help="the routing table (TOML)")
    export.add_argument("--listen", default="127.0.0.1:8080", help="nginx's listen address")
    export.add_argument("--standalone", action="store_true", help="a whole config for nginx -c")
    export.add_argument("--runtime-dir", type=Path, default=Path(), help="pid, logs (standalone)")
    export.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            app.run(args.routes, args.host, args.port, args.admin_port, args.audit_log)
        except ConfigError as error:
            raise SystemExit(f"strangler-proxy: {error}") from error
    if args.command == "export":
        raise SystemExit(
            nginx_export.export(
                args.routes,
                listen=args.listen,
                full=args.standalone,
                runtime_dir=args.runtime_dir,
                output=args.output,
            )
        )


if __name__ == "__main__":
    main()
