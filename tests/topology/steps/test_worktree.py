"""steps.worktree: a tag's temporary worktree, always removed."""

import sys
from pathlib import Path

import pytest
from steps import tags, worktree
from steps.tags import git


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
