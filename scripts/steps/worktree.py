"""A step tag's own checkout: a detached git worktree in a temporary directory, and its own
venv (`uv sync`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from shop_topology.signals import uninterruptible

from .command import run_command
from .tags import Step, git

TEMP_PREFIX = "shop-steps-"
INSTALL_TIMEOUT_S = 1800.0


@contextlib.contextmanager
def worktree_of(repo: Path, step: Step, temp_root: Path | None = None) -> Iterator[Path]:
    """A detached worktree of the step's tag in a temporary directory; always removed."""
    parent = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=temp_root))
    path = parent / step.tag
    try:
        git(repo, "worktree", "add", "--detach", str(path), step.tag)
        yield path
    finally:
        with uninterruptible():
            _git_quietly(repo, "worktree", "remove", "--force", str(path))
            shutil.rmtree(parent, ignore_errors=True)
            _git_quietly(repo, "worktree", "prune")


def worktree_env(worktree: Path) -> dict[str, str]:
    """This environment without this checkout's venv; uv installs into the worktree's own."""
    env = dict(os.environ)
    own_venv = env.pop("VIRTUAL_ENV", None)
    own_bin = {str(Path(sys.executable).parent)} | ({f"{own_venv}/bin"} if own_venv else set())
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p not in own_bin
    )
    env["UV_PROJECT_ENVIRONMENT"] = str(worktree / ".venv")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def install(worktree: Path, log_path: Path, env: dict[str, str], uv: str) -> int:
    """`uv sync --all-packages` in the worktree, into its own .venv; the exit code."""
    argv = [uv, "sync", "--all-packages"]
    return run_command(argv, log_path, cwd=worktree, env=env, timeout=INSTALL_TIMEOUT_S)


def _git_quietly(repo: Path, *args: str) -> None:
    """A git command whose failure changes nothing (cleaning up what may be gone already)."""
    subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
