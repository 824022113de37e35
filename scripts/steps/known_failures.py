"""tests/contract/known-failures.toml: which newer contract tests each older step tag fails, why,
and what fixed them; read strictly, and compared with a step's test outcomes."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .results import FAILED, PASSED, Comparison, ContractResult
from .tags import STEP_TAG, Step

KNOWN_FAILURES = Path("tests") / "contract" / "known-failures.toml"
ENTRY_KEYS = ("test", "reason", "fixed_by")
TODO = "TODO"
TEST_ID = re.compile(r"^tests/contract/[^:\s]+\.py::\S.*$")
FIXED_BY_COMMIT = re.compile(r"^commit [0-9a-f]{7,40}: \S.*$")
TABLE_HEADER = re.compile(r"""^\s*\[\[\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*\]\]""")


@dataclass(frozen=True)
class KnownFailure:
    """One entry of the known-failures file: `tag` fails `test`, for `reason`, until `fixed_by`."""

    tag: str
    test: str
    reason: str
    fixed_by: str
    line: int | None = None

    @property
    def unfilled(self) -> list[str]:
        """The fields a human still has to fill in (empty, or still "TODO")."""
        fields = (("reason", self.reason), ("fixed_by", self.fixed_by))
        return [name for name, value in fields if _is_unfilled(value)]


def _is_unfilled(value: str) -> bool:
    """Empty, or a placeholder: "TODO", "TODO: ...", "TODO fill in"."""
    return not value.strip() or re.match(rf"{TODO}\b", value.strip()) is not None


# step tag -> test id -> its entry
KnownFailures = dict[str, dict[str, KnownFailure]]


class KnownFailuresError(Exception):
    """The known-failures file is invalid; the message names each bad entry and its line."""


def load_known_failures(path: Path, steps: Sequence[Step], *, name: str = "") -> KnownFailures:
    """The known-failures file, validated against the step tags; no file: none known."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return parse_known_failures(text, steps, source=name or str(path))


def parse_known_failures(text: str, steps: Sequence[Step], *, source: str) -> KnownFailures:
    """Parses and strictly validates; raises KnownFailuresError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KnownFailuresError(f"{source}: not valid TOML: {error}") from None
    numbers = {step.tag: step.number for step in steps}
    at_head = {step.tag for step in steps if step.is_head}
    header_lines = _table_header_lines(text)
    errors: list[str] = []
    known: KnownFailures = {}
    for tag, entries in data.items():
        where = f"{source}:{header_lines[tag][0]}" if header_lines.get(tag) else source
        if tag == "HEAD" or tag in at_head:
            errors.append(
                f"{where}: [[{tag}]]: {'' if tag == 'HEAD' else 'this tag is '}HEAD, which must"
                " pass the whole contract suite; known failures are only for older step tags"
            )
            continue
        if not STEP_TAG.match(tag):
            errors.append(f"{where}: [[{tag}]]: not a step tag (each table is a step-N-... tag)")
            continue
        if tag not in numbers:
            tags = ", ".join(numbers) or "none"
            errors.append(f"{where}: [[{tag}]]: no such step tag (known: {tags})")
            continue
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            errors.append(f"{where}: {tag}: write one [[{tag}]] table per test")
            continue
        known[tag] = _entries(tag, entries, header_lines.get(tag, []), numbers, source, errors)
    if errors:
        raise KnownFailuresError("\n".join(errors))
    return {tag: tests for tag, tests in known.items() if tests}


def _entries(
    tag: str,
    entries: list[dict[str, Any]],
    lines: list[int],
    numbers: Mapping[str, int],
    source: str,
    errors: list[str],
) -> dict[str, KnownFailure]:
    """The valid entries of one step tag; a line in `errors` for each problem of the others."""
    valid: dict[str, KnownFailure] = {}
    seen: dict[str, int | None] = {}  # test -> line of its first entry
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        label = f"{source}:{line}" if line else source
        label += f": [[{tag}]] entry {index + 1}"
        test = entry.get("test")
        if isinstance(test, str):
            label += f" ({test})"
        problems = _entry_problems(entry, tag, numbers)
        if isinstance(test, str) and test in seen:
            first = seen[test]
            at = f" (first at line {first})" if first else ""
            problems.append(f"duplicate entry for this test{at}")
        elif isinstance(test, str):
            seen[test] = line
        if problems:
            errors += [f"{label}: {problem}" for problem in problems]
            continue
        valid[entry["test"]] = KnownFailure(
            tag, entry["test"], entry["reason"], entry["fixed_by"], line
        )
    return valid


def _table_header_lines(text: str) -> dict[str, list[int]]:
    """The line number of each `[[tag]]` header, in order, by tag."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = TABLE_HEADER.match(line)
        if match:
            tag = next(group for group in match.groups() if group is not None)
            lines.setdefault(tag, []).append(number)
    return lines


def _entry_problems(entry: Mapping[str, Any], tag: str, numbers: Mapping[str, int]) -> list[str]:
    problems = [
        f"unknown key {key!r} (allowed: {', '.join(ENTRY_KEYS)})"
        for key in entry
        if key not in ENTRY_KEYS
    ]
    for key in ENTRY_KEYS:
        if key not in entry:
            problems.append(f"{key} is required")
        elif not isinstance(entry[key], str):
            problems.append(f"{key} must be a string")
    if isinstance(entry.get("test"), str) and not TEST_ID.match(entry["test"]):
        problems.append(
            "test must be a pytest node id of the contract suite, like"
            ' "tests/contract/test_orders.py::test_x[param]"'
        )
    fixed_by = entry.get("fixed_by")
    if not isinstance(fixed_by, str) or _is_unfilled(fixed_by):
        pass  # allowed in the file, but the step is red until it is filled in
    elif STEP_TAG.match(fixed_by):
        if fixed_by not in numbers:
            problems.append(f"fixed_by: no such step tag {fixed_by!r}")
        elif numbers[fixed_by] <= numbers[tag]:
            problems.append(f"fixed_by: {fixed_by} is not a step after {tag}")
    elif not FIXED_BY_COMMIT.match(fixed_by):
        problems.append('fixed_by must be a later step tag or "commit <hash>: <subject>"')
    return problems


def compare(
    outcomes: Mapping[str, str],
    listed: Mapping[str, KnownFailure],
    suite: frozenset[str] | None,
) -> Comparison:
    """A step's test outcomes against its listed known failures (`suite`: all test ids)."""
    failed = sorted(test for test, outcome in outcomes.items() if outcome == FAILED)
    passing, missing, unchecked = [], [], []
    for test in sorted(listed):
        outcome = outcomes.get(test)
        if suite is not None and test not in suite:
            missing.append(test)  # (a failure in the logs of a run of an older suite)
        elif outcome == PASSED:
            passing.append(test)
        elif outcome != FAILED:
            unchecked.append(test)
    return Comparison(
        known=tuple(test for test in failed if test in listed),
        unlisted=tuple(test for test in failed if test not in listed),
        passing=tuple(passing),
        missing=tuple(missing),
        incomplete=tuple(sorted(test for test, entry in listed.items() if entry.unfilled)),
        unchecked=tuple(unchecked),
    )


def judge(
    result: ContractResult,
    listed: Mapping[str, KnownFailure],
    suite: frozenset[str] | None,
) -> ContractResult:
    """The result with its comparison; a suite that could not run stays as it is."""
    if result.error is not None:
        return result
    return replace(result, comparison=compare(result.outcomes, listed, suite))
