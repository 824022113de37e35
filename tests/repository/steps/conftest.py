"""The steps runner (scripts/steps, the package `steps`) and a throwaway repository with tags."""

from pathlib import Path

import pytest

# The package `steps` (scripts/) and the examples the tests share (steps_examples, here) are
# imported by name: pytest's `pythonpath` setting in pyproject.toml lists both folders.

IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@shop.example",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@shop.example",
}


from steps import cli  # noqa: E402
from steps.tags import git  # noqa: E402
from steps_examples import SHIP, STEP_0, STEP_1, STEP_2, junit_of  # noqa: E402


def commit(repo: Path, message: str) -> str:
    (repo / "file.txt").write_text(message)
    git(repo, "add", "file.txt")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway repository: step 0 tagged, step 1 only a trailer, step 2 tagged, then HEAD."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    commit(path, "Layered monolith\n\nMigration-Step: step-0-monolith")
    git(path, "tag", "-a", "step-0-monolith", "-m", "step-0-monolith")
    commit(path, "Proxy in front\n\nMigration-Step: step-1-strangler-proxy")
    commit(path, "Seams")
    git(path, "tag", "-a", "step-2-modular-monolith", "-m", "step-2-modular-monolith")
    commit(path, "Work after step 2")
    return path


def write_last_run(
    repo: Path, tag: str, junit: str, lint: str = "Contracts: 3 kept, 0 broken."
) -> None:
    logs = repo / ".run" / "steps" / tag
    logs.mkdir(parents=True)
    (logs / "contract-junit.xml").write_text(junit)
    (logs / "lint-imports.log").write_text(lint)


@pytest.fixture
def shop_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The throwaway repository with a contract suite and the logs of a run of every step."""
    contract = repo / "tests" / "contract"
    contract.mkdir(parents=True)
    (contract / "test_orders.py").touch()
    git(repo, "tag", "-a", STEP_1, "HEAD~2", "-m", STEP_1)
    write_last_run(repo, STEP_0, junit_of(test_cancel="failed", test_ship="failed"))
    write_last_run(repo, STEP_1, junit_of(test_cancel="failed", test_ship="passed"))
    write_last_run(repo, STEP_2, junit_of(test_cancel="passed", test_ship="passed"))
    suite = frozenset({"tests/contract/test_orders.py::test_cancel", SHIP})
    monkeypatch.setattr(cli, "collect_suite", lambda repo: suite)
    return repo
