"""Serves a step tag's topology for `make steps`, run by the tag's own interpreter:

    <worktree>/.venv/bin/python -P serve_topology.py '{"database": "postgres", ...}'

starts the topology with the tag's own `shop_topology.start(**arguments)`, prints where it is on
one line after READY_MARKER, and keeps it up until stdin closes (also when the runner dies) or
SIGTERM; leaving the `with` stops its processes and drops its database. Old tags' code cannot
change, so this uses only what every tag's shop_topology offers: `start(**kwargs)` returning a
context manager with base_url, admin_email, admin_password, database_url (and processes).
"""

import json
import signal
import sys
from types import FrameType

READY_MARKER = "SHOP_STEPS_READY "


def _stop(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    import shop_topology  # the tag's own: imported only when it serves

    signal.signal(signal.SIGTERM, _stop)
    try:
        with shop_topology.start(**json.loads(argv[1])) as running:
            groups = [process.pid for process in getattr(running, "processes", {}).values()]
            where = {
                "base_url": running.base_url,
                "admin_email": running.admin_email,
                "admin_password": running.admin_password,
                "database_url": running.database_url,
                "process_groups": groups,
            }
            print(READY_MARKER + json.dumps(where), flush=True)
            sys.stdin.read()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
