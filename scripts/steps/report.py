"""The end of a run's output: entries to paste (if asked), the table, what makes rows red, and
the summary line last; and what the known-failures file lists, at the start."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from .known_failures import KNOWN_FAILURES, TODO, KnownFailure
from .options import Options
from .results import PASSED, StepResult, plural


def report(
    results: Sequence[StepResult],
    not_run: Sequence[str],
    options: Options,
    head_tags: Sequence[str] = (),
) -> str:
    """The end of the output: entries to paste (if asked), the table, what makes rows red (and
    listed tests not checked), and the summary line last."""
    parts = [""]
    if options.print_known_failures:
        parts += [known_failure_entries(results, head_tags), ""]
    parts.append(format_table(results, not_run))
    details = [
        format_details(
            result, options.known_failures.get(result.tag, {}), options.known_failures_name()
        )
        for result in results
    ]
    for text in details:
        if text:
            parts += ["", text]
    if any(details):
        parts.append("")
    parts.append(summary_line(results, not_run))
    return "\n".join(parts)


def describe_known_failures(options: Options) -> str:
    """What the known-failures file lists, and what already makes the run red."""
    known = options.known_failures
    listed = ", ".join(f"{tag} {len(tests)}" for tag, tests in known.items()) or "none listed"
    lines = [f"known failures ({options.known_failures_name()}): {listed}"]
    entries = [entry for tests in known.values() for entry in tests.values()]
    unfilled = [entry for entry in entries if entry.unfilled]
    if unfilled:
        lines.append(
            f"  {plural(len(unfilled), 'incomplete entry', 'incomplete entries')}"
            " (reason or fixed_by empty or TODO): red until filled in"
        )
    if options.suite is not None:
        gone = [entry for entry in entries if entry.test not in options.suite]
        lines += [
            f"  not in the contract suite (stale, remove it): [[{entry.tag}]] {entry.test}"
            for entry in gone
        ]
    elif entries:
        lines.append("  could not collect the contract suite: absent listed tests not checked")
    return "\n".join(lines)


def format_table(results: Sequence[StepResult], not_run: Sequence[str] = ()) -> str:
    rows = [("step tag", "contract", "import rules", "seconds", "result")]
    for result in results:
        rows.append(
            (
                result.tag,
                result.contract.cell(),
                result.import_rules.cell(),
                "-" if result.seconds is None else f"{result.seconds:.1f}",
                "green" if result.green else "red",
            )
        )
    rows += [(tag, "not run", "not run", "-", "-") for tag in not_run]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(width) if column == 3 and index else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(" | ".join(cells).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def format_details(
    result: StepResult,
    listed: Mapping[str, KnownFailure],
    file_name: str = str(KNOWN_FAILURES),
) -> str:
    """Which tests make the step red, and what to do about each; empty if nothing to say."""
    comparison = result.contract.comparison
    if comparison is None:
        return ""
    groups: list[tuple[str, list[str]]] = [
        (
            f"failed, not listed in {file_name} (a regression; or a test newer than the step:"
            " list it, see --print-known-failures)",
            list(comparison.unlisted),
        ),
        ("listed, but passed (stale: remove the entry)", list(comparison.passing)),
        (
            "listed, but no longer in the contract suite (stale: remove the entry)",
            list(comparison.missing),
        ),
        (
            "listed, but incomplete (a reason and fixed_by are required; empty or TODO is red)",
            [_incomplete_note(test, listed.get(test)) for test in comparison.incomplete],
        ),
        ("listed, but skipped or not run here (not checked)", list(comparison.unchecked)),
    ]
    lines = [
        f"  {title}:\n" + "".join(f"    {test}\n" for test in tests)
        for title, tests in groups
        if tests
    ]
    if not lines:
        return ""
    return f"{result.tag}:\n" + "".join(lines).rstrip("\n")


def _incomplete_note(test: str, entry: KnownFailure | None) -> str:
    if entry is None:
        return test
    where = f"line {entry.line}: " if entry.line else ""
    return f"{test}  ({where}fill in {' and '.join(entry.unfilled)})"


def summary_line(results: Sequence[StepResult], not_run: Sequence[str] = ()) -> str:
    green = sum(result.green for result in results)
    line = f"steps: {green} green, {len(results) - green} red"
    line += f", {len(not_run)} not run" if not_run else ""
    contracts = [result.contract for result in results]
    known = sum(contract.known for contract in contracts)
    unlisted = sum(contract.unlisted for contract in contracts)
    comparisons = [contract.comparison for contract in contracts if contract.comparison]
    stale = sum(len(comparison.stale) for comparison in comparisons)
    incomplete = sum(len(comparison.incomplete) for comparison in comparisons)
    counts = [
        plural(known, "known failure", "known failures") + " fixed later" if known else "",
        plural(unlisted, "unlisted failure", "unlisted failures") if unlisted else "",
        plural(stale, "stale entry", "stale entries") if stale else "",
        plural(incomplete, "incomplete entry", "incomplete entries") if incomplete else "",
    ]
    counted = ", ".join(count for count in counts if count)
    return line + (f"; {counted}" if counted else "")


def known_failure_entries(results: Sequence[StepResult], head_tags: Sequence[str] = ()) -> str:
    """Ready-to-paste entries for the unlisted failures; reason (and fixed_by, when no later
    step of this run passed the test) left "TODO" for a human to fill in."""
    lines = [
        f"# Entries for the unlisted failures of this run, to paste into {KNOWN_FAILURES}.",
        f'# Fill in each reason (a "{TODO}" is red). fixed_by: the first later step of this run',
        '# that passed the test, else a later step tag or "commit <hash>: <subject>".',
    ]
    count, notes = 0, []
    for index, result in enumerate(results):
        comparison = result.contract.comparison
        if comparison is None or not comparison.unlisted:
            continue
        if result.tag in head_tags:
            notes.append(
                f"# {result.tag} is HEAD: fix its {len(comparison.unlisted)} failure(s), they"
                " cannot be listed"
            )
            continue
        for test in comparison.unlisted:
            fixed_by = next(
                (
                    later.tag
                    for later in results[index + 1 :]
                    if later.contract.outcomes.get(test) == PASSED
                ),
                TODO,
            )
            lines += [
                "",
                f"[[{result.tag}]]",
                f"test = {_toml_string(test)}",
                f"reason = {_toml_string(TODO)}",
                f"fixed_by = {_toml_string(fixed_by)}",
            ]
            count += 1
    if count == 0:
        lines.append("# (no unlisted failures: nothing to add)")
    return "\n".join(lines + notes)


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string
