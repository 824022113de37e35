"""The contract suite's junit file: each test case by its pytest node id, passed, failed or
skipped, and the counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .results import FAILED, PASSED, SKIPPED, ContractResult


def read_junit(junit: Path) -> ET.Element | None:
    try:
        return ET.parse(junit).getroot()  # noqa: S314 (written by our own pytest run)
    except (OSError, ET.ParseError):
        return None


def parse_junit(junit: Path, exit_code: int, root: Path) -> ContractResult:
    """Counts and outcomes by test id (each test once: a teardown error after a failure is
    one failed test, not two); `root` is where the suite's files are, to name the tests."""
    outcomes = junit_outcomes(junit, root)
    if outcomes is None:
        return ContractResult(exit_code=exit_code, error=f"no results, pytest exit {exit_code}")
    if not outcomes:
        return ContractResult(exit_code=exit_code, error=f"no tests ran, pytest exit {exit_code}")
    values = list(outcomes.values())
    return ContractResult(
        values.count(PASSED),
        values.count(FAILED),
        values.count(SKIPPED),
        exit_code,
        outcomes=outcomes,
    )


def junit_outcomes(junit: Path, root: Path) -> dict[str, str] | None:
    """Test id -> passed, failed (a failure or an error, setup and teardown included) or
    skipped; None if there is no readable junit file."""
    xml_root = read_junit(junit)
    if xml_root is None:
        return None
    rank = {PASSED: 0, SKIPPED: 1, FAILED: 2}
    outcomes: dict[str, str] = {}
    for case in xml_root.iter("testcase"):
        test = node_id(case.get("classname", ""), case.get("name", ""), root)
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = FAILED
        elif case.find("skipped") is not None:
            outcome = SKIPPED
        else:
            outcome = PASSED
        if rank[outcome] >= rank[outcomes.get(test, PASSED)]:
            outcomes[test] = outcome
    return outcomes


def node_id(classname: str, name: str, root: Path) -> str:
    """The pytest node id of a junit test case, e.g. `tests.contract.test_x.TestY` and
    `test_z[a.b]` -> `tests/contract/test_x.py::TestY::test_z[a.b]`: the longest dotted prefix
    of the class name that is a file under `root` is the module. Unresolved: junit's own form."""
    if not classname:  # a module that failed to collect: pytest names it in `name`
        classname, name = name, ""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        path = "/".join(parts[:end]) + ".py"
        if (root / path).is_file():
            return "::".join([path, *parts[end:], *([name] if name else [])])
    return f"{classname}::{name}" if name else classname


def failed_tests(junit: Path, root: Path) -> list[str]:
    outcomes = junit_outcomes(junit, root) or {}
    return [test for test, outcome in outcomes.items() if outcome == FAILED]
