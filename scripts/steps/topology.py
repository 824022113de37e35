"""A step's own topology: its own interpreter runs serve_topology.py, which starts it with its
own shop_topology on a fresh PostgreSQL database; stopped (and the database dropped) whatever
happens. The database is recorded in the step's logs while it exists, so that a later run can
drop it if this run is killed before it could."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from shop_topology.database import PostgresDatabase
from shop_topology.errors import TopologyError
from shop_topology.logged import LoggedProcess, signal_group
from shop_topology.signals import uninterruptible

from .owner import alive, this_run
from .serve_topology import READY_MARKER

SERVE = Path(__file__).with_name("serve_topology.py")
TOPOLOGY_START_TIMEOUT_S = 300.0
TOPOLOGY_STOP_TIMEOUT_S = 60.0  # for a clean stop, once stdin is closed
TOPOLOGY_KILL_TIMEOUT_S = 30.0  # after SIGTERM, before SIGKILL
DATABASE_RECORD = "database.json"  # in the step's logs: {"owner": pid, "database_url": url}


@dataclass
class StartedTopology:
    base_url: str
    admin_email: str
    admin_password: str
    database_url: str | None
    process_groups: list[int]


@contextlib.contextmanager
def step_topology(worktree: Path, logs: Path, env: dict[str, str]) -> Iterator[StartedTopology]:
    """The step's own topology on PostgreSQL, started by its own interpreter; always stopped."""
    arguments: dict[str, str] = {"database": "postgres", "workdir": str(logs / "topology")}
    topology_file = worktree / "topology" / "topology.toml"
    if topology_file.exists():
        arguments["topology_file"] = str(topology_file)
    python = str(worktree / ".venv" / "bin" / "python")
    process = LoggedProcess.start(
        [python, "-P", str(SERVE), json.dumps(arguments)],  # -P: not HEAD's scripts on sys.path
        logs / "topology-start.log",
        cwd=worktree,
        env=env,
        stdin=subprocess.PIPE,
    )
    started: StartedTopology | None = None
    try:
        started = _wait_ready(process)
        if started.database_url:
            record_database(logs, started.database_url)
        yield started
    finally:
        with uninterruptible():
            if _stop_topology(process, started):
                (logs / DATABASE_RECORD).unlink(missing_ok=True)


def _wait_ready(process: LoggedProcess) -> StartedTopology:
    deadline = time.monotonic() + TOPOLOGY_START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in process.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(READY_MARKER):
                return StartedTopology(**json.loads(line[len(READY_MARKER) :]))
        if process.exit_code is not None:
            raise RuntimeError(f"topology exited with code {process.exit_code}")
        time.sleep(0.5)
    raise RuntimeError(f"topology not up after {TOPOLOGY_START_TIMEOUT_S:.0f} s")


def _stop_topology(process: LoggedProcess, started: StartedTopology | None) -> bool:
    """Close stdin (a clean stop drops the database); force it, and clean up after it, if not.
    Whether its database is gone."""
    with contextlib.suppress(OSError):
        assert process.popen.stdin is not None
        process.popen.stdin.close()
    clean = process.wait(TOPOLOGY_STOP_TIMEOUT_S) is not None
    code = process.stop(TOPOLOGY_KILL_TIMEOUT_S)  # and anything it left behind in its group
    if started is None or (clean and code == 0):
        return True
    for group in started.process_groups:
        signal_group(group, signal.SIGKILL)
    return not started.database_url or drop_database(started.database_url)


def drop_database(database_url: str) -> bool:
    """The fallback when a topology could not drop its own database; whether it is gone."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    try:
        PostgresDatabase(urlunsplit(parts._replace(path="/")), name).drop()
    except (TopologyError, psycopg.Error) as error:
        print(f"  warning: could not drop database {name}: {error}", file=sys.stderr)
        return False
    return True


def record_database(logs: Path, database_url: str) -> None:
    record = {"owner": this_run(), "database_url": database_url}
    (logs / DATABASE_RECORD).write_text(json.dumps(record) + "\n", encoding="utf-8")


def drop_stale_databases(runs: Path) -> list[str]:
    """Drops the databases recorded under `runs` (.run/steps) by runs whose process is gone;
    the URLs of those it dropped."""
    dropped = []
    for path in sorted(runs.glob(f"*/{DATABASE_RECORD}")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            owner, url = int(record["owner"]), str(record["database_url"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not alive(owner) and drop_database(url):
            path.unlink(missing_ok=True)
            dropped.append(url)
    return dropped
