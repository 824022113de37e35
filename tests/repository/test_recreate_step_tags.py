"""`make tags` (scripts/steps/tags.py) rebuilds step tags from commit trailers; `make install`
rebuilds missing ones too, quietly."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "steps" / "tags.py"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@shop.example",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@shop.example",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway repository; no git identity is configured, as on a fresh CI machine."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for name in IDENTITY:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    for number, message in enumerate(
        [
            "Start the shop",
            "Layered monolith\n\nMigration-Step: step-0-monolith\n",
            "Fix a typo",
            "Proxy in front\n\nSigned-off-by: Ada <ada@shop.example>\n"
            "Migration-Step: step-1-strangler-proxy\n",
        ]
    ):
        (path / "file.txt").write_text(str(number))
        git(path, "add", "file.txt")
        git(path, "commit", "--quiet", "-m", message, env=IDENTITY)
    return path


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=os.environ | (env or {}), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def recreate(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=repo, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def commit_with_subject(repo: Path, subject: str) -> str:
    return git(repo, "log", "--format=%H", f"--grep=^{subject}$")


def test_each_trailer_becomes_an_annotated_tag_on_its_commit(repo: Path) -> None:
    output = recreate(repo)

    assert git(repo, "tag", "--list") == "step-0-monolith\nstep-1-strangler-proxy"
    for tag, subject in [
        ("step-0-monolith", "Layered monolith"),
        ("step-1-strangler-proxy", "Proxy in front"),
    ]:
        assert git(repo, "cat-file", "-t", tag) == "tag"
        assert git(repo, "rev-parse", f"{tag}^{{commit}}") == commit_with_subject(repo, subject)
        assert git(repo, "tag", "--list", "--format=%(contents:subject)", tag) == tag
        assert f"created {tag} -> " in output
    assert "2 step tag(s) created" in output


def test_existing_tags_are_kept_and_missing_ones_recreated(repo: Path) -> None:
    recreate(repo)
    kept = git(repo, "rev-parse", "step-0-monolith")
    git(repo, "tag", "--delete", "step-1-strangler-proxy")

    output = recreate(repo)

    assert git(repo, "rev-parse", "step-0-monolith") == kept
    assert "exists  step-0-monolith" in output
    assert "created step-1-strangler-proxy" in output
    assert git(repo, "cat-file", "-t", "step-1-strangler-proxy") == "tag"
    assert "1 step tag(s) created" in output


def test_a_trailer_that_is_no_tag_name_is_skipped_and_a_repository_without_commits_is_fine(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "file.txt").write_text("bad")
    git(repo, "commit", "--quiet", "-am", "Oops\n\nMigration-Step: step-2..bad", env=IDENTITY)

    output = recreate(repo)

    assert "skipped step-2..bad" in output
    assert "2 step tag(s) created" in output
    assert recreate(repo, "--quiet") == "skipped step-2..bad ({}): not a valid tag name\n".format(
        git(repo, "rev-parse", "--short=12", "HEAD")
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "--quiet")
    assert recreate(empty) == "no commits at HEAD: nothing to tag\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_install_recreates_missing_tags_quietly(repo: Path) -> None:
    """On a fresh clone the tags are missing; any target that installs recreates them."""
    shutil.copy(ROOT / "Makefile", repo / "Makefile")
    (repo / "scripts" / "steps").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "steps" / "tags.py")
    (repo / ".venv").mkdir()
    (repo / ".venv" / ".make-installed").touch()  # the workspace is installed: nothing to sync

    def make_install() -> str:
        done = subprocess.run(
            ["make", "--no-print-directory", "install"], cwd=repo, text=True, capture_output=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    output = make_install()

    assert git(repo, "tag", "--list") == "step-0-monolith\nstep-1-strangler-proxy"
    assert "created step-0-monolith -> " in output
    assert make_install() == ""  # the tags exist: nothing to say
