"""A step tag's own checkout: a detached git worktree in a temporary directory named after this
run's process, its own venv (`uv sync`); and removing the worktrees earlier runs left behind."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from shop_topology.signals import uninterruptible

from .command import run_command
from .owner import alive, this_run
from .tags import Step, git

TEMP_PREFIX = "shop-steps-"  # then the owning run's process id: shop-steps-1234-k3j2h1g0/TAG
OWNED = re.compile(rf"^{TEMP_PREFIX}(\d+)-")
INSTALL_TIMEOUT_S = 1800.0


@contextlib.contextmanager
def worktree_of(repo: Path, step: Step, temp_root: Path | None = None) -> Iterator[Path]:
    """A detached worktree of the step's tag in a temporary directory; always removed."""
    parent = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{this_run()}-", dir=temp_root))
    path = parent / step.tag
    try:
        git(repo, "worktree", "add", "--detach", str(path), step.tag)
        yield path
    finally:
        with uninterruptible():
            _remove(repo, path, parent_too=True)
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


def stale_worktrees(repo: Path, temp_root: Path | None = None) -> list[Path]:
    """The worktrees of the repository that runs made under `temp_root` (default: the system's
    temporary directory) whose directory is gone or whose run's process is."""
    root = Path(temp_root or tempfile.gettempdir()).resolve()
    stale = []
    for line in git(repo, "worktree", "list", "--porcelain").splitlines():
        if not line.startswith("worktree "):
            continue
        path = Path(line.removeprefix("worktree "))
        if path.parent.parent.resolve() != root or not path.parent.name.startswith(TEMP_PREFIX):
            continue
        if not path.exists() or not _owner_alive(path):
            stale.append(path)
    return stale


def remove_stale_worktrees(repo: Path, temp_root: Path | None = None) -> list[Path]:
    """Removes the stale worktrees (unlocked first: a `git worktree add` cut short leaves its
    worktree locked) and the temporary directories of dead runs, then prunes; those removed."""
    stale = stale_worktrees(repo, temp_root)
    for path in stale:
        _git_quietly(repo, "worktree", "unlock", str(path))
        _remove(repo, path, parent_too=not _owner_alive(path))
    _git_quietly(repo, "worktree", "prune")
    return stale


def _owner_alive(path: Path) -> bool:
    """Whether the run that made the worktree still runs (unknown owner: taken to be alive)."""
    owner = OWNED.match(path.parent.name)
    return owner is None or alive(int(owner[1]))


def _remove(repo: Path, path: Path, *, parent_too: bool) -> None:
    _git_quietly(repo, "worktree", "remove", "--force", str(path))
    if parent_too:
        shutil.rmtree(path.parent, ignore_errors=True)


def _git_quietly(repo: Path, *args: str) -> None:
    """A git command whose failure changes nothing (cleaning up what may be gone already)."""
    subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
