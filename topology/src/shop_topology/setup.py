"""One-shot setup commands (migrations, the admin user) run before the processes start."""

import subprocess
from pathlib import Path

from shop_topology.errors import TopologyError
from shop_topology.logged import run_logged, tail
from shop_topology.spec import Command

SETUP_TIMEOUT_SECONDS = 300.0


def run_setup(setup: Command, argv: list[str], env: dict[str, str], cwd: Path, logs: Path) -> None:
    log_path = logs / f"setup-{setup.name}.log"
    try:
        code = run_logged(argv, log_path, cwd=cwd, env=env, timeout=SETUP_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TopologyError(f"setup step {setup.name} failed: {error}") from error
    if code != 0:
        raise TopologyError(
            f"setup step {setup.name} exited with code {code}; last lines of {log_path}:\n"
            f"{tail(log_path)}"
        )
