"""A command of a step's run with its output in a log file (shop_topology's helper); killed, and
the log saying so, after its time limit."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from shop_topology.logged import run_logged


def run_command(
    argv: Sequence[str],
    log_path: Path,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    echo: TextIO | None = None,
) -> int:
    """Run `argv` with its output in `log_path` after a `$ argv` line (and echoed, indented, if
    asked); its exit code."""
    try:
        code: int = run_logged(
            argv,
            log_path,
            cwd=cwd,
            env=env,
            timeout=timeout,
            header=True,
            echo=echo,
            echo_prefix="    ",
        )
    except subprocess.TimeoutExpired:
        with log_path.open("a", encoding="utf-8") as log:
            log.write(f"\n(steps: killed after {timeout:.0f} s)\n")
        return -signal.SIGKILL
    return code
