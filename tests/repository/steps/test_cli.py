"""steps.cli: the exit code, --keep-going, the dry run, judging the last run's logs."""

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from steps import cli
from steps.tags import git
from steps_examples import SHIP, SOURCE, STEP_0, STEP_1, STEP_2, dead_pid, entry, result


@pytest.mark.parametrize(("broken", "code"), [(0, 0), (1, 1)])
def test_the_exit_code_is_non_zero_when_any_step_is_red(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys, broken: int, code: int
) -> None:
    ran: list[str] = []

    def fake_run_step(step, options):
        ran.append(step.tag)
        return result(step.tag, broken=broken if step.number == 1 else 0)

    monkeypatch.setattr(cli, "run_step", fake_run_step)

    assert cli.main(["--repo", str(repo)]) == code
    out = capsys.readouterr().out
    assert ran == ["step-0-monolith", "step-1-strangler-proxy", "step-2-modular-monolith"]
    assert out.rstrip().splitlines()[-1] == f"steps: {3 - broken} green, {broken} red"


def test_without_keep_going_the_steps_after_a_red_one_are_not_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(cli, "run_step", lambda step, options: result(step.tag, failed=1))

    assert cli.main(["--repo", str(repo), "--no-keep-going"]) == 1
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith("steps: 0 green, 1 red, 2 not run; 1 unlisted failure")
    )


def test_dry_run_lists_the_plan_and_changes_nothing(repo: Path, capsys) -> None:
    tags_before = git(repo, "tag", "--list")

    assert cli.main(["--repo", str(repo), "--dry-run", "--no-browser"]) == 0

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


def test_the_last_run_is_judged_against_the_known_failures_file(shop_repo: Path, capsys) -> None:
    known_failures = shop_repo / "tests" / "contract" / "known-failures.toml"
    cancel = "tests/contract/test_orders.py::test_cancel"
    known_failures.write_text(
        entry(STEP_0, cancel) + entry(STEP_0, SHIP, fixed_by=STEP_1) + entry(STEP_1, cancel)
    )

    assert cli.main(["--repo", str(shop_repo), "--from-logs"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"known failures ({SOURCE}): {STEP_0} 2, {STEP_1} 1"
    assert [[cell.strip() for cell in line.split("|")] for line in out[-4:-1]] == [
        [STEP_0, "0 passed, 2 known failures fixed later", "3 kept, 0 broken", "-", "green"],
        [STEP_1, "1 passed, 1 known failure fixed later", "3 kept, 0 broken", "-", "green"],
        [STEP_2, "2 passed", "3 kept, 0 broken", "-", "green"],
    ]
    assert out[-1] == "steps: 3 green, 0 red; 3 known failures fixed later"


def test_unlisted_failures_of_the_last_run_are_printed_as_entries(shop_repo: Path, capsys) -> None:
    assert cli.main(["--repo", str(shop_repo), "--from-logs", "--print-known-failures"]) == 1

    out = capsys.readouterr().out
    entries = out[out.index("# Entries") : out.index("\nstep tag")]
    assert entries.count("[[") == 3
    assert f'[[{STEP_0}]]\ntest = "{SHIP}"\nreason = "TODO"\nfixed_by = "{STEP_1}"' in entries
    assert out.rstrip().splitlines()[-1] == "steps: 1 green, 2 red; 3 unlisted failures"


def test_an_invalid_known_failures_file_stops_the_run_before_anything_starts(
    shop_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (shop_repo / "tests" / "contract" / "known-failures.toml").write_text(
        entry(STEP_0, SHIP, reasn="typo")
    )
    monkeypatch.setattr(cli, "run_step", lambda step, options: pytest.fail("ran a step"))

    assert cli.main(["--repo", str(shop_repo)]) == 2
    assert cli.main(["--repo", str(shop_repo), "--dry-run"]) == 2

    err = capsys.readouterr().err
    assert f"{SOURCE}:1: [[{STEP_0}]] entry 1 ({SHIP}): unknown key 'reasn'" in err


def test_without_logs_of_a_run_the_step_is_red(shop_repo: Path, capsys) -> None:
    git(shop_repo, "tag", "-a", "step-3-extract-catalog", "-m", "step-3-extract-catalog")

    assert (
        cli.main(["--repo", str(shop_repo), "--from-logs", "--only", "step-3-extract-catalog"]) == 1
    )

    assert (
        "FAILED (no contract results in .run/steps/step-3-extract-catalog)"
        in capsys.readouterr().out
    )


def test_it_runs_as_a_folder(repo: Path) -> None:
    script = Path(cli.__file__).parent
    argv = [sys.executable, str(script), "--repo", str(repo), "--dry-run", "--no-browser"]

    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "  git worktree remove --force <tmp>/step-2-modular-monolith" in done.stdout


def test_a_run_first_removes_the_worktree_a_killed_run_left_behind(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    left = Path(tempfile.mkdtemp(prefix=f"shop-steps-{dead_pid()}-")) / "step-0-monolith"
    git(repo, "worktree", "add", "--detach", str(left), "step-0-monolith")
    monkeypatch.setattr(cli, "run_step", lambda step, options: result(step.tag))

    assert cli.main(["--repo", str(repo), "--only", "step-0-monolith"]) == 0

    assert f"removed the stale worktree {left} of an earlier run" in capsys.readouterr().out
    assert not left.parent.exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
