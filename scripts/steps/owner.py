"""Which run a leftover belongs to: the process id of the `make steps` run that made it, kept in
its name or its record. The leftovers of a run whose process is gone are stale."""

from __future__ import annotations

import os


def this_run() -> int:
    return os.getpid()


def alive(pid: int) -> bool:
    """True while a process `pid` exists (of any user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
