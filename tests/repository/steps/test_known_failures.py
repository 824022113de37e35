"""steps.known_failures: the known-failures file, read strictly, and a step's outcomes judged
against it."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from steps import known_failures, tags
from steps.known_failures import KnownFailure, KnownFailuresError, judge, parse_known_failures
from steps.results import Comparison, ContractResult
from steps_examples import (
    ADD,
    CANCEL,
    LISTED,
    SHIP,
    SOURCE,
    STEP_0,
    STEP_1,
    STEP_2,
    SUITE,
    TAGS,
    entry,
    judged,
    known,
)

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


def test_the_known_failures_file_is_parsed_with_the_line_of_each_entry() -> None:
    listed = parse_known_failures(VALID, TAGS, source=SOURCE)

    assert list(listed) == [STEP_0, STEP_1]
    assert list(listed[STEP_0]) == [CANCEL, SHIP]
    assert listed[STEP_0][CANCEL] == KnownFailure(
        STEP_0, CANCEL, "step 0 refunds a cancelled order before it restocks it", STEP_1, 3
    )
    assert listed[STEP_1][CANCEL].fixed_by.startswith("commit 1a2b3c4d: ")
    assert listed[STEP_0][SHIP].line == 13
    assert listed[STEP_0][SHIP].unfilled == ["reason"]  # allowed in the file, red in a run
    assert listed[STEP_0][CANCEL].unfilled == []
    assert parse_known_failures("# nothing yet\n", TAGS, source=SOURCE) == {}


def test_a_missing_known_failures_file_lists_none(tmp_path: Path) -> None:
    assert known_failures.load_known_failures(tmp_path / "absent.toml", TAGS) == {}


def test_the_committed_known_failures_file_is_valid_and_complete() -> None:
    repo = Path(__file__).resolve().parents[3]

    listed = known_failures.load_known_failures(
        repo / known_failures.KNOWN_FAILURES, tags.planned_steps(repo)
    )

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
    with pytest.raises(KnownFailuresError, match=message):
        parse_known_failures(text, TAGS, source=SOURCE)


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    text = (
        entry(STEP_0, CANCEL, fixed_by="yesterday", reasn="typo")
        + entry("step-8-nope", ADD)
        + entry(STEP_0, CANCEL)
    )

    with pytest.raises(KnownFailuresError) as raised:
        parse_known_failures(text, TAGS, source=SOURCE)

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


def test_a_step_failing_exactly_its_listed_tests_is_green() -> None:
    result = judged({CANCEL: "failed", SHIP: "failed", ADD: "passed"}, LISTED, SUITE)

    assert result.ok
    assert result.comparison == Comparison(known=(CANCEL, SHIP))
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
    assert KnownFailure(STEP_0, CANCEL, "Todo lists are private", STEP_1).unfilled == []


def test_at_head_every_failure_is_unlisted_and_a_suite_that_did_not_run_stays_red() -> None:
    assert judged({CANCEL: "failed", ADD: "passed"}, {}, SUITE).comparison.unlisted == (CANCEL,)
    failed_to_run = ContractResult(error="topology did not start")
    assert judge(failed_to_run, LISTED, None) == failed_to_run
    assert not failed_to_run.ok
    crashed = replace(judged({CANCEL: "failed", SHIP: "failed"}, LISTED), exit_code=3)
    assert not crashed.ok  # all failures known, but pytest did not finish
