"""`make steps` (scripts/steps.py): tag discovery, the known failures of older tags, the report,
the exit code, the dry run."""

import contextlib
import importlib.util
import os
import re
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


# What pytest writes with --junitxml: classname is the node id's path made dotted (plus the
# class), name keeps the parameters; a teardown error after a failure is a second test case.
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="3" failures="2" skipped="1"
 tests="8">
<testcase classname="tests.contract.test_orders" name="test_cancel"><failure message="x"/>
</testcase>
<testcase classname="tests.contract.test_orders" name="test_ship[GET /x::y.z]"/>
<testcase classname="tests.contract.test_orders.TestBasket" name="test_add"/>
<testcase classname="tests.contract.test_orders" name="test_setup_error">
<error message="failed on setup with &quot;RuntimeError&quot;"/></testcase>
<testcase classname="tests.contract.test_orders" name="test_teardown_error"><failure/></testcase>
<testcase classname="tests.contract.test_orders" name="test_teardown_error">
<error message="failed on teardown"/></testcase>
<testcase classname="tests.contract.test_orders" name="test_skipped"><skipped/></testcase>
<testcase classname="" name="tests.contract.test_gone"><error message="collection failure"/>
</testcase>
</testsuite></testsuites>
"""


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
        ["step-0-monolith", "120 passed, 2 skipped", "3 kept, 0 broken", "61.0", "green"],
        [
            "step-1-strangler-proxy",
            "120 passed, 3 failed, 2 skipped",
            "3 kept, 0 broken",
            "61.0",
            "red",
        ],
        [
            "step-2-modular-monolith",
            "120 passed, 2 skipped",
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
    assert steps.summary_line(results) == "steps: 1 green, 3 red; 3 unlisted failures"
    assert (
        steps.summary_line(results, ["step-4"])
        == "steps: 1 green, 3 red, 1 not run; 3 unlisted failures"
    )


def test_junit_test_cases_become_node_ids_and_counts(tmp_path: Path) -> None:
    (tmp_path / "tests" / "contract").mkdir(parents=True)
    (tmp_path / "tests" / "contract" / "test_orders.py").touch()
    (tmp_path / "tests" / "contract" / "test_gone.py").touch()
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)

    assert steps.junit_outcomes(junit, tmp_path) == {
        "tests/contract/test_orders.py::test_cancel": "failed",
        "tests/contract/test_orders.py::test_ship[GET /x::y.z]": "passed",
        "tests/contract/test_orders.py::TestBasket::test_add": "passed",
        "tests/contract/test_orders.py::test_setup_error": "failed",  # setup error
        "tests/contract/test_orders.py::test_teardown_error": "failed",  # reported twice
        "tests/contract/test_orders.py::test_skipped": "skipped",
        "tests/contract/test_gone.py": "failed",  # a module that failed to collect
    }
    assert steps.failed_tests(junit, tmp_path) == [
        "tests/contract/test_orders.py::test_cancel",
        "tests/contract/test_orders.py::test_setup_error",
        "tests/contract/test_orders.py::test_teardown_error",
        "tests/contract/test_gone.py",
    ]
    result = steps.parse_junit(junit, 1, tmp_path)
    assert (result.passed, result.failed, result.skipped, result.exit_code) == (2, 4, 1, 1)
    assert result.cell() == "2 passed, 4 failed, 1 skipped"
    assert not result.ok
    assert (
        steps.parse_junit(tmp_path / "absent.xml", 4).cell() == "FAILED (no results, pytest exit 4)"
    )


def test_import_linter_output_becomes_counts() -> None:
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
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith("steps: 0 green, 1 red, 2 not run; 1 unlisted failure")
    )


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


# --- known failures of older step tags ---------------------------------------------------------

STEP_0, STEP_1, STEP_2 = "step-0-monolith", "step-1-strangler-proxy", "step-2-modular-monolith"
TAGS = [  # step 2 is at HEAD
    steps.Step(STEP_0, 0, "0" * 40, False),
    steps.Step(STEP_1, 1, "1" * 40, False),
    steps.Step(STEP_2, 2, "2" * 40, True),
]
CANCEL = "tests/contract/test_orders.py::test_cancel[card-4242]"
SHIP = "tests/contract/test_orders.py::test_ship"
ADD = "tests/contract/test_basket.py::test_add"
SOURCE = "tests/contract/known-failures.toml"

VALID = f"""\
# Known failures of older step tags.

[[{STEP_0}]]
test = "{CANCEL}"
reason = "step 0 refunds a cancelled order before it restocks it"
fixed_by = "{STEP_1}"

[[{STEP_1}]]
test = "{CANCEL}"
reason = "the proxy drops the Idempotency-Key header"
fixed_by = "commit 1a2b3c4d: Proxy: forward the Idempotency-Key header"

[[{STEP_0}]]  # appended later: a table may come back
test = "{SHIP}"
reason = "TODO"
fixed_by = "{STEP_2}"
"""


def entry(tag: str, test: str, reason: str = "a reason", fixed_by: str = STEP_2, **more: str):
    lines = [f"[[{tag}]]", f'test = "{test}"', f'reason = "{reason}"', f'fixed_by = "{fixed_by}"']
    return "\n".join(lines + [f'{key} = "{value}"' for key, value in more.items()]) + "\n\n"


def known(*failures: tuple[str, str, str]) -> dict[str, steps.KnownFailure]:
    """(test, reason, fixed_by) -> the listed known failures of one step tag."""
    return {
        test: steps.KnownFailure(STEP_0, test, reason, fixed_by)
        for test, reason, fixed_by in failures
    }


def test_the_known_failures_file_is_parsed_with_the_line_of_each_entry() -> None:
    listed = steps.parse_known_failures(VALID, TAGS, source=SOURCE)

    assert list(listed) == [STEP_0, STEP_1]
    assert list(listed[STEP_0]) == [CANCEL, SHIP]
    assert listed[STEP_0][CANCEL] == steps.KnownFailure(
        STEP_0, CANCEL, "step 0 refunds a cancelled order before it restocks it", STEP_1, 3
    )
    assert listed[STEP_1][CANCEL].fixed_by.startswith("commit 1a2b3c4d: ")
    assert listed[STEP_0][SHIP].line == 13
    assert listed[STEP_0][SHIP].unfilled == ["reason"]  # allowed in the file, red in a run
    assert listed[STEP_0][CANCEL].unfilled == []
    assert steps.parse_known_failures("# nothing yet\n", TAGS, source=SOURCE) == {}


def test_a_missing_known_failures_file_lists_none(tmp_path: Path) -> None:
    assert steps.load_known_failures(tmp_path / "absent.toml", TAGS) == {}


def test_the_committed_known_failures_file_is_valid_and_complete() -> None:
    repo = Path(__file__).resolve().parents[2]

    listed = steps.load_known_failures(repo / steps.KNOWN_FAILURES, steps.planned_steps(repo))

    for tests in listed.values():
        for failure in tests.values():
            assert not failure.unfilled, failure


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            entry(STEP_0, CANCEL, reasn="typo"),
            rf"^{SOURCE}:1: \[\[{STEP_0}\]\] entry 1 \({re.escape(CANCEL)}\): unknown key 'reasn'"
            r" \(allowed: test, reason, fixed_by\)$",
        ),
        (
            f'[[{STEP_0}]]\ntest = "{CANCEL}"\nfixed_by = "{STEP_1}"\n',
            r"entry 1 .*: reason is required",
        ),
        (
            f'[[{STEP_0}]]\ntest = "{CANCEL}"\nreason = 3\nfixed_by = "{STEP_1}"\n',
            "reason must be a string",
        ),
        (entry("stepping-stone", CANCEL), r"^.*:1: \[\[stepping-stone\]\]: not a step tag"),
        (
            entry("step-7-retire-monolith", CANCEL),
            r"\[\[step-7-retire-monolith\]\]: no such step tag",
        ),
        (entry("HEAD", CANCEL), r"\[\[HEAD\]\]: HEAD, which must pass the whole contract suite"),
        (entry(STEP_2, CANCEL), rf"\[\[{STEP_2}\]\]: this tag is HEAD, which must pass the whole"),
        (
            entry(STEP_0, CANCEL) + entry(STEP_1, CANCEL) + entry(STEP_0, CANCEL, "again"),
            rf"^{SOURCE}:11: \[\[{STEP_0}\]\] entry 2 \(.*\): duplicate entry for this test"
            r" \(first at line 1\)$",
        ),
        (
            entry(STEP_1, CANCEL, fixed_by=STEP_0),
            f"fixed_by: {STEP_0} is not a step after {STEP_1}",
        ),
        (entry(STEP_0, CANCEL, fixed_by="step-9-nope"), "fixed_by: no such step tag 'step-9-nope'"),
        (
            entry(STEP_0, CANCEL, fixed_by="yesterday"),
            r'fixed_by must be a later step tag or "commit',
        ),
        (
            entry(STEP_0, CANCEL, fixed_by="commit xyz: no hash"),
            "fixed_by must be a later step tag",
        ),
        (entry(STEP_0, "tests.contract.test_orders::test_cancel"), "test must be a pytest node id"),
        (
            f'[{STEP_0}]\ntest = "{CANCEL}"\n',
            rf"{STEP_0}: write one \[\[{STEP_0}\]\] table per test",
        ),
        ("[[step-0-monolith]\n", rf"^{SOURCE}: not valid TOML: .*line 1"),
    ],
)
def test_an_invalid_known_failures_file_is_an_error_naming_the_entry(
    text: str, message: str
) -> None:
    with pytest.raises(steps.KnownFailuresError, match=message):
        steps.parse_known_failures(text, TAGS, source=SOURCE)


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    text = (
        entry(STEP_0, CANCEL, fixed_by="yesterday", reasn="typo")
        + entry("step-8-nope", ADD)
        + entry(STEP_0, CANCEL)
    )

    with pytest.raises(steps.KnownFailuresError) as raised:
        steps.parse_known_failures(text, TAGS, source=SOURCE)

    assert [line.split(": ", 1) for line in str(raised.value).splitlines()] == [
        [
            f"{SOURCE}:1",
            f"[[{STEP_0}]] entry 1 ({CANCEL}): unknown key 'reasn' (allowed: test,"
            " reason, fixed_by)",
        ],
        [
            f"{SOURCE}:1",
            f"[[{STEP_0}]] entry 1 ({CANCEL}): fixed_by must be a later step tag or"
            ' "commit <hash>: <subject>"',
        ],
        [
            f"{SOURCE}:12",
            f"[[{STEP_0}]] entry 2 ({CANCEL}): duplicate entry for this test (first at line 1)",
        ],
        [
            f"{SOURCE}:7",
            "[[step-8-nope]]: no such step tag (known: step-0-monolith,"
            " step-1-strangler-proxy, step-2-modular-monolith)",
        ],
    ]


def judged(outcomes: dict[str, str], listed: dict[str, steps.KnownFailure], suite=None):
    failed = sum(outcome == "failed" for outcome in outcomes.values())
    result = steps.ContractResult(
        passed=sum(outcome == "passed" for outcome in outcomes.values()),
        failed=failed,
        skipped=sum(outcome == "skipped" for outcome in outcomes.values()),
        exit_code=int(failed > 0),
        outcomes=outcomes,
    )
    return steps.judge(result, listed, frozenset(suite) if suite is not None else None)


SUITE = {CANCEL, SHIP, ADD}
LISTED = known((CANCEL, "restocks late", STEP_1), (SHIP, "no shipping yet", STEP_2))


def test_a_step_failing_exactly_its_listed_tests_is_green() -> None:
    result = judged({CANCEL: "failed", SHIP: "failed", ADD: "passed"}, LISTED, SUITE)

    assert result.ok
    assert result.comparison == steps.Comparison(known=(CANCEL, SHIP))
    assert result.cell() == "1 passed, 2 known failures fixed later"


def test_an_unlisted_failure_is_red() -> None:
    result = judged({CANCEL: "failed", SHIP: "failed", ADD: "failed"}, LISTED, SUITE)

    assert not result.ok
    assert result.comparison.unlisted == (ADD,)
    assert result.cell() == "0 passed, 2 known failures fixed later, 1 failed"


def test_a_listed_test_that_passes_is_red_as_stale() -> None:
    result = judged({CANCEL: "failed", SHIP: "passed", ADD: "passed"}, LISTED, SUITE)

    assert not result.ok
    assert result.comparison.passing == (SHIP,)
    assert result.cell() == "2 passed, 1 known failure fixed later, 1 stale entry"


def test_a_listed_test_no_longer_in_the_suite_is_red_as_stale() -> None:
    result = judged({CANCEL: "failed", ADD: "passed"}, LISTED, SUITE - {SHIP})

    assert not result.ok
    assert result.comparison.missing == (SHIP,)
    assert result.cell() == "1 passed, 1 known failure fixed later, 1 stale entry"
    # logs of a run of an older suite, judged with --from-logs: stale all the same
    old_logs = judged({CANCEL: "failed", SHIP: "failed"}, LISTED, SUITE - {SHIP})
    assert not old_logs.ok
    assert old_logs.comparison.missing == (SHIP,)


@pytest.mark.parametrize(
    ("outcomes", "suite"),
    [
        ({CANCEL: "failed", SHIP: "skipped", ADD: "passed"}, SUITE),  # skipped here
        ({CANCEL: "failed", ADD: "passed"}, SUITE),  # deselected (a browser test, --no-browser)
        ({CANCEL: "failed", ADD: "passed"}, None),  # the suite could not be collected
    ],
)
def test_a_listed_test_that_did_not_run_is_not_checked(outcomes, suite) -> None:
    result = judged(outcomes, LISTED, suite)

    assert result.ok
    assert result.comparison.unchecked == (SHIP,)


@pytest.mark.parametrize("reason", ["TODO", "", "  ", "TODO: ask the catalog team"])
def test_an_entry_without_a_reason_is_red(reason: str) -> None:
    listed = known((CANCEL, reason, STEP_1), (SHIP, "no shipping yet", "TODO"))

    result = judged({CANCEL: "failed", SHIP: "failed"}, listed, SUITE)

    assert not result.ok
    assert result.comparison.incomplete == (CANCEL, SHIP)
    assert result.cell() == "0 passed, 2 known failures fixed later, 2 incomplete entries"
    assert steps.KnownFailure(STEP_0, CANCEL, "Todo lists are private", STEP_1).unfilled == []


def test_at_head_every_failure_is_unlisted_and_a_suite_that_did_not_run_stays_red() -> None:
    assert judged({CANCEL: "failed", ADD: "passed"}, {}, SUITE).comparison.unlisted == (CANCEL,)
    failed_to_run = steps.ContractResult(error="topology did not start")
    assert steps.judge(failed_to_run, LISTED, None) == failed_to_run
    assert not failed_to_run.ok
    crashed = steps.replace(judged({CANCEL: "failed", SHIP: "failed"}, LISTED), exit_code=3)
    assert not crashed.ok  # all failures known, but pytest did not finish


def step_result(tag: str, contract, broken: int = 0) -> steps.StepResult:
    return steps.StepResult(
        tag, contract, steps.ImportRulesResult(3, broken, int(broken > 0)), 61.0
    )


def test_the_report_gives_the_readme_figures_and_names_the_tests_of_red_rows() -> None:
    many = {f"tests/contract/test_catalog.py::test_{n}": "passed" for n in range(556)}
    green = judged(many | {CANCEL: "failed", SHIP: "failed"}, LISTED, SUITE | set(many))
    listed = LISTED | known((ADD, "TODO", "TODO"))
    red = judged(
        {CANCEL: "failed", SHIP: "passed", ADD: "failed", "tests/contract/t.py::x": "failed"},
        listed,
        SUITE,
    )
    results = [step_result(STEP_0, green), step_result(STEP_1, red)]

    table = steps.format_table(results).splitlines()
    details = steps.format_details(results[1], listed)

    assert [cell.strip() for cell in table[2].split("|")][1:] == [
        "556 passed, 2 known failures fixed later",
        "3 kept, 0 broken",
        "61.0",
        "green",
    ]
    assert [cell.strip() for cell in table[3].split("|")][1] == (
        "1 passed, 2 known failures fixed later, 1 failed, 1 stale entry, 1 incomplete entry"
    )
    assert steps.format_details(results[0], LISTED) == ""
    assert details == (
        f"{STEP_1}:\n"
        f"  failed, not listed in {SOURCE} (a regression; or a test newer than the step: list it,"
        " see --print-known-failures):\n"
        "    tests/contract/t.py::x\n"
        "  listed, but passed (stale: remove the entry):\n"
        f"    {SHIP}\n"
        "  listed, but incomplete (a reason and fixed_by are required; empty or TODO is red):\n"
        f"    {ADD}  (fill in reason and fixed_by)"
    )
    assert steps.summary_line(results) == (
        "steps: 1 green, 1 red; 4 known failures fixed later, 1 unlisted failure, 1 stale entry,"
        " 1 incomplete entry"
    )


def test_entries_for_the_unlisted_failures_are_ready_to_paste_and_red_until_filled_in() -> None:
    results = [
        step_result(STEP_0, judged({CANCEL: "failed", SHIP: "failed", ADD: "passed"}, {})),
        step_result(STEP_1, judged({CANCEL: "passed", SHIP: "failed", ADD: "passed"}, {})),
        step_result(STEP_2, judged({CANCEL: "passed", SHIP: "skipped", ADD: "failed"}, {})),
    ]

    text = steps.known_failure_entries(results, head_tags=[STEP_2])

    assert text.splitlines()[3:] == [
        "",
        f"[[{STEP_0}]]",
        f'test = "{CANCEL}"',
        'reason = "TODO"',
        f'fixed_by = "{STEP_1}"',  # the first later step of the run that passed it
        "",
        f"[[{STEP_0}]]",
        f'test = "{SHIP}"',
        'reason = "TODO"',
        'fixed_by = "TODO"',  # no later step passed it in this run
        "",
        f"[[{STEP_1}]]",
        f'test = "{SHIP}"',
        'reason = "TODO"',
        'fixed_by = "TODO"',
        f"# {STEP_2} is HEAD: fix its 1 failure(s), they cannot be listed",
    ]
    pasted = steps.parse_known_failures(text, TAGS, source=SOURCE)
    outcomes = [result.contract.outcomes for result in results]
    assert not judged(outcomes[0], pasted[STEP_0], SUITE).ok  # reasons still TODO
    filled = steps.parse_known_failures(text.replace('"TODO"', f'"{STEP_2}"'), TAGS, source=SOURCE)
    assert judged(outcomes[0], filled[STEP_0], SUITE).ok
    assert judged(outcomes[1], filled[STEP_1], SUITE).ok
    assert "nothing to add" in steps.known_failure_entries(results[:0])


def write_last_run(
    repo: Path, tag: str, junit: str, lint: str = "Contracts: 3 kept, 0 broken."
) -> None:
    logs = repo / ".run" / "steps" / tag
    logs.mkdir(parents=True)
    (logs / "contract-junit.xml").write_text(junit)
    (logs / "lint-imports.log").write_text(lint)


def junit_of(**outcomes: str) -> str:
    children = {"passed": "", "failed": "<failure/>", "skipped": "<skipped/>"}
    cases = "".join(
        f'<testcase classname="tests.contract.test_orders" name="{name}">{children[outcome]}'
        "</testcase>"
        for name, outcome in outcomes.items()
    )
    return f"<testsuites><testsuite>{cases}</testsuite></testsuites>"


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
    monkeypatch.setattr(steps, "collect_suite", lambda repo: suite)
    return repo


def test_the_last_run_is_judged_against_the_known_failures_file(shop_repo: Path, capsys) -> None:
    known_failures = shop_repo / "tests" / "contract" / "known-failures.toml"
    cancel = "tests/contract/test_orders.py::test_cancel"
    known_failures.write_text(
        entry(STEP_0, cancel) + entry(STEP_0, SHIP, fixed_by=STEP_1) + entry(STEP_1, cancel)
    )

    assert steps.main(["--repo", str(shop_repo), "--from-logs"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"known failures ({SOURCE}): {STEP_0} 2, {STEP_1} 1"
    assert [[cell.strip() for cell in line.split("|")] for line in out[-4:-1]] == [
        [STEP_0, "0 passed, 2 known failures fixed later", "3 kept, 0 broken", "-", "green"],
        [STEP_1, "1 passed, 1 known failure fixed later", "3 kept, 0 broken", "-", "green"],
        [STEP_2, "2 passed", "3 kept, 0 broken", "-", "green"],
    ]
    assert out[-1] == "steps: 3 green, 0 red; 3 known failures fixed later"


def test_unlisted_failures_of_the_last_run_are_printed_as_entries(shop_repo: Path, capsys) -> None:
    assert steps.main(["--repo", str(shop_repo), "--from-logs", "--print-known-failures"]) == 1

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
    monkeypatch.setattr(steps, "run_step", lambda step, options: pytest.fail("ran a step"))

    assert steps.main(["--repo", str(shop_repo)]) == 2
    assert steps.main(["--repo", str(shop_repo), "--dry-run"]) == 2

    err = capsys.readouterr().err
    assert f"{SOURCE}:1: [[{STEP_0}]] entry 1 ({SHIP}): unknown key 'reasn'" in err


def test_without_logs_of_a_run_the_step_is_red(shop_repo: Path, capsys) -> None:
    git(shop_repo, "tag", "-a", "step-3-extract-catalog", "-m", "step-3-extract-catalog")

    assert (
        steps.main(["--repo", str(shop_repo), "--from-logs", "--only", "step-3-extract-catalog"])
        == 1
    )

    assert (
        "FAILED (no contract results in .run/steps/step-3-extract-catalog)"
        in capsys.readouterr().out
    )


def test_a_step_run_prints_each_failure_as_known_or_not_and_what_to_do(
    shop_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    logs = shop_repo / ".run" / "steps" / STEP_0
    cancel = "tests/contract/test_orders.py::test_cancel"
    started = steps.StartedTopology("http://127.0.0.1:1", "admin@x", "pw", None, [])
    monkeypatch.setattr(steps, "step_topology", lambda *args: contextlib.nullcontext(started))
    monkeypatch.setattr(
        steps,
        "run_contract",
        lambda repo, started, logs, browser: steps.parse_junit(
            logs / "contract-junit.xml", 1, repo
        ),
    )
    options = steps.replace(
        steps.parse_args(["--repo", str(shop_repo)]),
        known_failures={STEP_0: known((SHIP, "no shipping yet", STEP_1))},
        suite=frozenset({cancel, SHIP}),
    )
    step = steps.discover_steps(shop_repo)[0]

    result = steps._contract_against_topology(step, shop_repo, logs, {}, options)

    assert result.comparison == steps.Comparison(known=(SHIP,), unlisted=(cancel,))
    out = capsys.readouterr().out
    assert f"  failed: {cancel}  (not listed)\n" in out
    assert f"  failed: {SHIP}  (known, fixed by {STEP_1})\n" in out


def test_collecting_the_suite_gives_its_node_ids(tmp_path: Path) -> None:
    contract = tmp_path / "tests" / "contract"
    contract.mkdir(parents=True)
    (contract / "test_a.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('x', ['GET /a', 'b.c'])\n"
        "def test_p(x): pass\n\n"
        "class TestK:\n    def test_m(self): pass\n"
    )

    assert steps.collect_suite(tmp_path) == {
        "tests/contract/test_a.py::test_p[GET /a]",
        "tests/contract/test_a.py::test_p[b.c]",
        "tests/contract/test_a.py::TestK::test_m",
    }
