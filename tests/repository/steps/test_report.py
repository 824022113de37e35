"""steps.report: the table, what makes a row red, the summary line, entries to paste."""

from steps import report
from steps.known_failures import parse_known_failures
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
    judged,
    known,
    result,
    step_result,
)


def test_the_table_shows_counts_failures_and_seconds_and_ends_with_a_summary() -> None:
    results = [
        result("step-0-monolith"),
        result("step-1-strangler-proxy", failed=3),
        result("step-2-modular-monolith", broken=1),
        result("step-3-extract-catalog", error="topology did not start"),
    ]

    lines = report.format_table(results, not_run=["step-4-recommendations"]).splitlines()

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
    assert report.summary_line(results) == "steps: 1 green, 3 red; 3 unlisted failures"
    assert (
        report.summary_line(results, ["step-4"])
        == "steps: 1 green, 3 red, 1 not run; 3 unlisted failures"
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

    table = report.format_table(results).splitlines()
    details = report.format_details(results[1], listed)

    assert [cell.strip() for cell in table[2].split("|")][1:] == [
        "556 passed, 2 known failures fixed later",
        "3 kept, 0 broken",
        "61.0",
        "green",
    ]
    assert [cell.strip() for cell in table[3].split("|")][1] == (
        "1 passed, 2 known failures fixed later, 1 failed, 1 stale entry, 1 incomplete entry"
    )
    assert report.format_details(results[0], LISTED) == ""
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
    assert report.summary_line(results) == (
        "steps: 1 green, 1 red; 4 known failures fixed later, 1 unlisted failure, 1 stale entry,"
        " 1 incomplete entry"
    )


def test_entries_for_the_unlisted_failures_are_ready_to_paste_and_red_until_filled_in() -> None:
    results = [
        step_result(STEP_0, judged({CANCEL: "failed", SHIP: "failed", ADD: "passed"}, {})),
        step_result(STEP_1, judged({CANCEL: "passed", SHIP: "failed", ADD: "passed"}, {})),
        step_result(STEP_2, judged({CANCEL: "passed", SHIP: "skipped", ADD: "failed"}, {})),
    ]

    text = report.known_failure_entries(results, head_tags=[STEP_2])

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
    pasted = parse_known_failures(text, TAGS, source=SOURCE)
    outcomes = [result.contract.outcomes for result in results]
    assert not judged(outcomes[0], pasted[STEP_0], SUITE).ok  # reasons still TODO
    filled = parse_known_failures(text.replace('"TODO"', f'"{STEP_2}"'), TAGS, source=SOURCE)
    assert judged(outcomes[0], filled[STEP_0], SUITE).ok
    assert judged(outcomes[1], filled[STEP_1], SUITE).ok
    assert "nothing to add" in report.known_failure_entries(results[:0])
