"""`strangler-proxy serve --routes FILE --port N`."""

import argparse
from pathlib import Path

from strangler_proxy import app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="strangler-proxy")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the proxy")
    serve.add_argument("--routes", type=Path, required=True, help="the routing table (TOML)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if args.command == "serve":
        app.run(args.routes, args.host, args.port)


if __name__ == "__main__":
    main()
