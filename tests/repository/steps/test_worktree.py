"""steps.worktree: a tag's temporary worktree, always removed; those a killed run left behind,
removed by the next run."""

import subprocess
import sys
from pathlib import Path

import pytest
from steps import owner, tags, worktree
from steps.tags import git
from steps_examples import dead_pid


def worktrees(repo: Path) -> list[str]:
    listed = git(repo, "worktree", "list", "--porcelain").splitlines()
    return [line.removeprefix("worktree ") for line in listed if line.startswith("worktree ")]


def test_a_step_at_head_gets_its_own_worktree_removed_afterwards(repo: Path) -> None:
    git(repo, "tag", "-a", "step-3-extract-catalog", "-m", "step-3-extract-catalog")
    step = tags.discover_steps(repo)[-1]
    (repo / "file.txt").write_text("uncommitted work")

    with worktree.worktree_of(repo, step) as path:
        assert (path / "file.txt").read_text() == "Work after step 2"
        assert git(path, "rev-parse", "HEAD") == step.commit
        assert worktree.OWNED.match(path.parent.name)  # a later run can tell whose it is
        assert worktree.stale_worktrees(repo) == []  # this run is alive

    assert not path.parent.exists()
    assert len(worktrees(repo)) == 1
    assert (repo / "file.txt").read_text() == "uncommitted work"


def test_the_worktree_is_removed_when_the_step_fails(repo: Path) -> None:
    step = tags.discover_steps(repo)[0]

    with pytest.raises(KeyboardInterrupt), worktree.worktree_of(repo, step) as path:
        (path / ".venv").mkdir()
        raise KeyboardInterrupt

    assert not path.exists()
    assert len(worktrees(repo)) == 1


def test_worktrees_of_a_killed_run_are_removed_and_the_others_kept(
    repo: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    dead, gone, alive, elsewhere, unknown = (
        temp / f"shop-steps-{dead_pid()}-abc/step-0-monolith",
        temp / "shop-steps-1-xyz/step-0-monolith",  # its directory removed by hand
        temp / f"shop-steps-{owner.this_run()}-def/step-0-monolith",
        tmp_path / f"shop-steps-{dead_pid()}-ghi/step-0-monolith",  # not under the temp root
        temp / "shop-steps-k3j2h1g0/step-0-monolith",  # a run that did not name itself
    )
    for path in (dead, gone, alive, elsewhere, unknown):
        git(repo, "worktree", "add", "--detach", str(path), "step-0-monolith")
    for path in (dead, gone):  # as a `git worktree add` cut short leaves them
        git(repo, "worktree", "lock", str(path))
    (dead / ".venv").mkdir()
    subprocess.run(["rm", "-rf", str(gone)], check=True)

    removed = worktree.remove_stale_worktrees(repo, temp)

    assert sorted(removed) == sorted([dead, gone])
    assert not dead.parent.exists()
    assert sorted(worktrees(repo)[1:]) == sorted(str(path) for path in (alive, elsewhere, unknown))
    assert worktree.remove_stale_worktrees(repo, temp) == []


def test_the_worktree_env_leaves_out_this_checkouts_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{own_bin}:/usr/bin")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/.venv")

    env = worktree.worktree_env(tmp_path)

    assert env["PATH"] == "/usr/bin"
    assert "VIRTUAL_ENV" not in env
    assert env["UV_PROJECT_ENVIRONMENT"] == str(tmp_path / ".venv")
