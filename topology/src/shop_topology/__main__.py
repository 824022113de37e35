"""`shop-topology up` runs the current step in the foreground; `shop-topology env` describes it."""

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from shop_topology.errors import TopologyError
from shop_topology.ports import is_free
from shop_topology.runner import RunningTopology, start
from shop_topology.spec import load_topology

DEFAULT_PORT = 8000


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "env":
            return _env(args.file)
        return _up(args.database, args.port, args.workdir, args.file)
    except TopologyError as error:
        print(f"shop-topology: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shop-topology", description=__doc__)
    parser.add_argument("--file", type=Path, help="topology file (default: topology/topology.toml)")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the step in the foreground until Ctrl-C")
    up.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    up.add_argument("--port", type=int, help=f"entry port (default {DEFAULT_PORT} if free)")
    up.add_argument("--workdir", type=Path, help="logs and the SQLite file (default .run/)")
    commands.add_parser("env", help="print the step and its processes as shell variables")
    return parser


def _env(file: Path | None) -> int:
    topology = load_topology(file)
    names = " ".join(process.name for process in topology.processes)
    print(f"SHOP_STEP={shlex.quote(topology.step)}")
    print(f"SHOP_ENTRY={shlex.quote(topology.entry)}")
    print(f"SHOP_PROCESSES={shlex.quote(names)}")
    return 0


def _up(database: str, port: int | None, workdir: Path | None, file: Path | None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    if port is None and is_free(DEFAULT_PORT):
        port = DEFAULT_PORT
    print(f"starting {load_topology(file).step} on {database} ...", flush=True)
    try:
        with start(database, workdir=workdir, topology_file=file, entry_port=port) as running:
            _announce(running)
            while True:
                running.check_alive()
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
    return 0


def _announce(running: RunningTopology) -> None:
    base = running.base_url
    print(
        f"\n{running.topology.step} is up ({running.database_url})\n"
        f"  storefront  {base}/\n"
        f"  API         {base}/api/v1/\n"
        f"  OpenAPI     {base}/api/v1/openapi.json\n"
        f"  admin       {running.admin_email} / {running.admin_password}\n"
        f"  admin token {running.admin_token}  (bearer token of the proxy's admin page and API)\n"
        f"{_broker_line(running)}"
        f"  logs        {running.workdir / 'logs'}/\n"
        f"{_process_urls(running)}"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def _broker_line(running: RunningTopology) -> str:
    broker = running.broker
    return f"  broker      {broker.url}  ({broker.description})\n" if broker is not None else ""


def _process_urls(running: RunningTopology) -> str:
    """Every process's ports, the entry first: `  processes   monolith-web  http://...`."""
    entry = running.topology.entry
    rows: list[tuple[str, str]] = []
    ordered = sorted(running.processes.values(), key=lambda process: process.name != entry)
    for process in ordered:
        if process.port is not None and process.scheme != "http":
            rows.append((process.name, process.url()))  # the private broker node
        elif process.port is not None:
            note = "  (the shop)" if process.name == entry else "  (direct)"
            rows.append((process.name, f"{process.url()}/{note}"))
        for port in process.ports:
            rows.append((f"{process.name}.{port}", f"{process.url(port)}/"))
        if process.port is None and not process.ports:
            rows.append((process.name, "(no port)"))
    width = max(len(label) for label, _ in rows)
    lines = [
        f"  {'processes' if i == 0 else '':<10}  {label:<{width}}  {url}"
        for i, (label, url) in enumerate(rows)
    ]
    return "".join(line.rstrip() + "\n" for line in lines)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops like Ctrl-C; a repeated one must not cut the cleanup short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
