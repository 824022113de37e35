"""`make steps` (scripts/steps.py): tag discovery, the report, the exit code, the dry run."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load_steps() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "scripts" / "steps.py"
    spec = importlib.util.spec_from_file_location("steps_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


steps = _load_steps()
IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@shop.example",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@shop.example",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=os.environ | IDENTITY, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


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


def result(tag: str, *, failed: int = 0, broken: int = 0, error: str | None = None):
    contract = steps.ContractResult(passed=120, failed=failed, skipped=2, exit_code=int(failed > 0))
    return steps.StepResult(
        tag,
        steps.ContractResult(error=error) if error else contract,
        steps.ImportRulesResult(kept=3, broken=broken, exit_code=int(broken > 0)),
        61.04,
    )


def test_step_tags_are_ordered_by_their_number_not_by_name(repo: Path) -> None:
    for tag in ["step-10-late", "step-9-earlier", "stepping-stone", "step-x-no-number"]:
        git(repo, "tag", tag)

    found = steps.discover_steps(repo)

    assert [step.tag for step in found] == [
        "step-0-monolith",
        "step-2-modular-monolith",
        "step-9-earlier",
        "step-10-late",
    ]
    assert found[0].commit == git(repo, "rev-parse", "step-0-monolith^{commit}")


def test_missing_tags_are_recreated_from_trailers_first(repo: Path) -> None:
    assert steps.missing_trailer_tags(repo) == [
        ("step-1-strangler-proxy", git(repo, "rev-parse", "HEAD~2"))
    ]

    output = steps.recreate_tags(repo)

    assert "created step-1-strangler-proxy" in output
    assert [step.tag for step in steps.discover_steps(repo)] == [
        "step-0-monolith",
        "step-1-strangler-proxy",
        "step-2-modular-monolith",
    ]
    assert steps.missing_trailer_tags(repo) == []


def test_a_step_tagged_at_head_is_marked_and_gets_its_own_worktree(repo: Path) -> None:
    git(repo, "tag", "-a", "step-3-extract-catalog", "-m", "step-3-extract-catalog")
    step = steps.discover_steps(repo)[-1]
    assert (step.tag, step.is_head) == ("step-3-extract-catalog", True)
    (repo / "file.txt").write_text("uncommitted work")

    with steps.worktree_of(repo, step) as worktree:
        assert (worktree / "file.txt").read_text() == "Work after step 2"
        assert git(worktree, "rev-parse", "HEAD") == step.commit

    assert not worktree.parent.exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert (repo / "file.txt").read_text() == "uncommitted work"


def test_the_worktree_is_removed_when_the_step_fails(repo: Path) -> None:
    step = steps.discover_steps(repo)[0]

    with pytest.raises(KeyboardInterrupt), steps.worktree_of(repo, step) as worktree:
        (worktree / ".venv").mkdir()
        raise KeyboardInterrupt

    assert not worktree.exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_only_selects_known_tags_and_rejects_unknown_ones(repo: Path) -> None:
    found = steps.discover_steps(repo)

    assert [s.tag for s in steps.select_steps(found, ["step-2-modular-monolith"])] == [
        "step-2-modular-monolith"
    ]
    with pytest.raises(SystemExit, match=r"unknown step tag.*step-7-nope"):
        steps.select_steps(found, ["step-7-nope"])


def test_the_table_shows_counts_failures_and_seconds_and_ends_with_a_summary() -> None:
    results = [
        result("step-0-monolith"),
        result("step-1-strangler-proxy", failed=3),
        result("step-2-modular-monolith", broken=1),
        result("step-3-extract-catalog", error="topology did not start"),
    ]

    lines = steps.format_table(results, not_run=["step-4-recommendations"]).splitlines()

    assert [[cell.strip() for cell in line.split("|")] for line in lines if "|" in line] == [
        ["step tag", "contract", "import rules", "seconds", "result"],
        ["step-0-monolith", "120 passed, 0 failed, 2 skipped", "3 kept, 0 broken", "61.0", "green"],
        [
            "step-1-strangler-proxy",
            "120 passed, 3 failed, 2 skipped",
            "3 kept, 0 broken",
            "61.0",
            "red",
        ],
        [
            "step-2-modular-monolith",
            "120 passed, 0 failed, 2 skipped",
            "3 kept, 1 broken",
            "61.0",
            "red",
        ],
        [
            "step-3-extract-catalog",
            "FAILED (topology did not start)",
            "3 kept, 0 broken",
            "61.0",
            "red",
        ],
        ["step-4-recommendations", "not run", "not run", "-", "-"],
    ]
    assert len({line.replace("+", "|").index("|") for line in lines}) == 1  # aligned columns
    assert "|    61.0 |" in lines[2]
    assert steps.summary_line(results) == "steps: 1 green, 3 red"
    assert steps.summary_line(results, ["step-4"]) == "steps: 1 green, 3 red, 1 not run"


def test_junit_and_import_linter_output_become_counts(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite tests="10" failures="2" errors="1" skipped="3">'
        '<testcase classname="tests.contract.test_orders" name="test_cancel"><failure/></testcase>'
        '<testcase classname="tests.contract.test_basket" name="test_add"/>'
        "</testsuite></testsuites>"
    )

    assert steps.parse_junit(junit, 1) == steps.ContractResult(4, 3, 3, 1)
    assert steps.failed_tests(junit) == ["tests.contract.test_orders::test_cancel"]
    assert (
        steps.parse_junit(tmp_path / "absent.xml", 4).cell() == "FAILED (no results, pytest exit 4)"
    )
    assert steps.parse_import_rules("Contracts: 3 kept, 1 broken.", 1).cell() == "3 kept, 1 broken"
    assert not steps.parse_import_rules("Contracts: 3 kept, 1 broken.", 1).ok
    assert steps.parse_import_rules("Traceback ...", 1).cell() == "FAILED (lint-imports exit 1)"


@pytest.mark.parametrize(("broken", "code"), [(0, 0), (1, 1)])
def test_the_exit_code_is_non_zero_when_any_step_is_red(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys, broken: int, code: int
) -> None:
    ran: list[str] = []

    def fake_run_step(step, options):
        ran.append(step.tag)
        return result(step.tag, broken=broken if step.number == 1 else 0)

    monkeypatch.setattr(steps, "run_step", fake_run_step)

    assert steps.main(["--repo", str(repo)]) == code
    out = capsys.readouterr().out
    assert ran == ["step-0-monolith", "step-1-strangler-proxy", "step-2-modular-monolith"]
    assert out.rstrip().splitlines()[-1] == f"steps: {3 - broken} green, {broken} red"


def test_without_keep_going_the_steps_after_a_red_one_are_not_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(steps, "run_step", lambda step, options: result(step.tag, failed=1))

    assert steps.main(["--repo", str(repo), "--no-keep-going"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("steps: 0 green, 1 red, 2 not run")


def test_dry_run_lists_the_plan_and_changes_nothing(repo: Path, capsys) -> None:
    tags_before = git(repo, "tag", "--list")

    assert steps.main(["--repo", str(repo), "--dry-run", "--no-browser"]) == 0

    out = capsys.readouterr().out
    proxy_commit = git(repo, "rev-parse", "HEAD~2")[:12]
    assert f"would recreate step-1-strangler-proxy -> {proxy_commit}" in out
    assert "browser tests: excluded" in out
    headers = [line for line in out.splitlines() if line.startswith("step-")]
    assert [line.split(" ")[0] for line in headers] == [
        "step-0-monolith",
        "step-1-strangler-proxy",
        "step-2-modular-monolith",
    ]
    for line in [
        "  git worktree add --detach <tmp>/step-0-monolith step-0-monolith",
        "sync --all-packages  (in the worktree, into its own .venv)",
        "SHOP_BASE_URL=<its url> pytest tests/contract -m 'not browser'",
        "  <worktree>/.venv/bin/lint-imports  (in the worktree)",
        "  git worktree remove --force <tmp>/step-2-modular-monolith",
    ]:
        assert line in out
    assert git(repo, "tag", "--list") == tags_before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
