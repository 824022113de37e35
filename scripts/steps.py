"""`make steps`: every step tag, installed and started on its own, against HEAD's contract suite.

For each `step-N-...` tag (missing ones first recreated from `Migration-Step:` trailers), in
order of N: a detached git worktree of the tag in a temporary directory, its own `uv sync
--all-packages`, its own topology (its `shop_topology.start` on a fresh PostgreSQL database),
this checkout's contract suite against it, and its own `lint-imports`. Contract tests are only
ever added, so an older tag may fail a newer test: each such failure is listed, with its reason
and the step or commit that fixed it, in `tests/contract/known-failures.toml`. A step is green
when it fails exactly its listed tests; an unlisted failure, a listed test that passes or is no
longer in the suite, and an entry without a reason or fixed_by are red. A tag at HEAD has no
known failures. Logs stay in `.run/steps/<tag>/`. Exits 1 if any step is red, 2 if the
known-failures file is invalid.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

SCRIPTS = Path(__file__).resolve().parent
TAG_SCRIPT = SCRIPTS / "recreate-step-tags.sh"
STEP_TAG = re.compile(r"^step-(\d+)-\S+$")
CONTRACTS = re.compile(r"Contracts: (\d+) kept, (\d+) broken")
CHROMIUM = Path("/usr/bin/chromium")
READY_MARKER = "SHOP_STEPS_READY "
INSTALL_TIMEOUT_S = 1800.0
TOPOLOGY_START_TIMEOUT_S = 300.0
TOPOLOGY_STOP_TIMEOUT_S = 60.0
LINT_TIMEOUT_S = 600.0
COLLECT_TIMEOUT_S = 300.0

KNOWN_FAILURES = Path("tests") / "contract" / "known-failures.toml"
ENTRY_KEYS = ("test", "reason", "fixed_by")
TODO = "TODO"
TEST_ID = re.compile(r"^tests/contract/[^:\s]+\.py::\S.*$")
FIXED_BY_COMMIT = re.compile(r"^commit [0-9a-f]{7,40}: \S.*$")
TABLE_HEADER = re.compile(r"""^\s*\[\[\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*\]\]""")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

# Runs with the step's own interpreter: starts the step's topology with the step's own
# shop_topology, prints where it is, and keeps it up until stdin closes (also when this
# script dies) or SIGTERM; leaving the `with` stops the processes and drops the database.
TOPOLOGY_SNIPPET = f"""
import json, signal, sys
import shop_topology

def _stop(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, _stop)
try:
    with shop_topology.start(**json.loads(sys.argv[1])) as running:
        groups = [process.pid for process in getattr(running, "processes", {{}}).values()]
        print({READY_MARKER!r} + json.dumps({{
            "base_url": running.base_url,
            "admin_email": running.admin_email,
            "admin_password": running.admin_password,
            "database_url": running.database_url,
            "process_groups": groups,
        }}), flush=True)
        sys.stdin.read()
except KeyboardInterrupt:
    pass
"""


@dataclass(frozen=True)
class Step:
    tag: str
    number: int
    commit: str
    is_head: bool


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


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


@dataclass(frozen=True)
class Comparison:
    """A step's failures against its listed known failures (test ids, sorted)."""

    known: tuple[str, ...] = ()  # failed, as listed
    unlisted: tuple[str, ...] = ()  # failed, not listed: a regression, or a new test to list
    passing: tuple[str, ...] = ()  # listed, but passed: a stale entry
    missing: tuple[str, ...] = ()  # listed, but no longer in the contract suite: a stale entry
    incomplete: tuple[str, ...] = ()  # listed with its reason or fixed_by empty or "TODO"
    unchecked: tuple[str, ...] = ()  # listed, but skipped or not run here: cannot tell

    @property
    def stale(self) -> tuple[str, ...]:
        return self.passing + self.missing

    @property
    def ok(self) -> bool:
        return not (self.unlisted or self.passing or self.missing or self.incomplete)


@dataclass(frozen=True)
class ContractResult:
    passed: int = 0
    failed: int = 0  # failed or errored tests, known failures included
    skipped: int = 0
    exit_code: int = 0
    error: str | None = None  # the suite could not run at all
    outcomes: Mapping[str, str] = field(default_factory=dict, repr=False)  # test id -> outcome
    comparison: Comparison | None = None  # against the step's known failures, once judged

    @property
    def known(self) -> int:
        return len(self.comparison.known) if self.comparison is not None else 0

    @property
    def unlisted(self) -> int:
        return 0 if self.error is not None else self.failed - self.known

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.exit_code == (1 if self.failed else 0)
            and self.unlisted == 0
            and (self.comparison is None or self.comparison.ok)
        )

    def cell(self) -> str:
        """The figure for the README's step table: "556 passed, 9 known failures fixed later"."""
        if self.error is not None:
            return f"FAILED ({self.error})"
        parts = [f"{self.passed} passed"]
        if self.known:
            parts.append(_plural(self.known, "known failure", "known failures") + " fixed later")
        if self.unlisted:
            parts.append(f"{self.unlisted} failed")
        if self.comparison is not None and self.comparison.stale:
            parts.append(_plural(len(self.comparison.stale), "stale entry", "stale entries"))
        if self.comparison is not None and self.comparison.incomplete:
            count = len(self.comparison.incomplete)
            parts.append(_plural(count, "incomplete entry", "incomplete entries"))
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        text = ", ".join(parts)
        if self.exit_code not in (0, 1):
            text += f" (pytest exit {self.exit_code})"
        return text


@dataclass(frozen=True)
class ImportRulesResult:
    kept: int = 0
    broken: int = 0
    exit_code: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0 and self.broken == 0

    def cell(self) -> str:
        if self.error is not None:
            return f"FAILED ({self.error})"
        return f"{self.kept} kept, {self.broken} broken"


@dataclass(frozen=True)
class StepResult:
    tag: str
    contract: ContractResult
    import_rules: ImportRulesResult
    seconds: float | None  # None: read back from the logs of an earlier run

    @property
    def green(self) -> bool:
        return self.contract.ok and self.import_rules.ok


@dataclass(frozen=True)
class Options:
    repo: Path
    only: list[str]
    keep_going: bool
    browser: bool
    dry_run: bool
    uv: str
    known_failures_file: Path | None = None  # None: the repo's tests/contract/known-failures.toml
    print_known_failures: bool = False
    from_logs: bool = False
    known_failures: KnownFailures = field(default_factory=dict)
    suite: frozenset[str] | None = None  # the contract suite's test ids; None: not collected

    @property
    def known_failures_path(self) -> Path:
        return self.known_failures_file or self.repo / KNOWN_FAILURES

    def known_failures_name(self) -> str:
        """The file's name for messages: relative to the repository when inside it."""
        path = self.known_failures_path
        return str(path.relative_to(self.repo)) if path.is_relative_to(self.repo) else str(path)


# --- tags -------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def missing_trailer_tags(repo: Path) -> list[tuple[str, str]]:
    """(tag, commit) of each `Migration-Step:` trailer with no tag yet; the newest commit wins."""
    log = git(repo, "log", "--format=%H %(trailers:key=Migration-Step,valueonly,separator=%x20)")
    existing, missing, seen = set(git(repo, "tag", "--list").split()), [], set()
    for line in log.splitlines():
        commit, *tags = line.split()
        for tag in tags:
            if tag not in seen and tag not in existing:
                missing.append((tag, commit))
            seen.add(tag)
    return missing


def recreate_tags(repo: Path) -> str:
    done = subprocess.run(
        ["bash", str(TAG_SCRIPT)], cwd=repo, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{TAG_SCRIPT.name} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def discover_steps(repo: Path) -> list[Step]:
    """The `step-N-...` tags, in order of N (then name)."""
    head = git(repo, "rev-parse", "HEAD")
    steps = []
    for tag in git(repo, "tag", "--list", "step-*").split():
        match = STEP_TAG.match(tag)
        if match:
            commit = git(repo, "rev-parse", f"{tag}^{{commit}}")
            steps.append(Step(tag, int(match[1]), commit, commit == head))
    return sorted(steps, key=lambda step: (step.number, step.tag))


def select_steps(steps: list[Step], only: Sequence[str]) -> list[Step]:
    unknown = sorted(set(only) - {step.tag for step in steps})
    if unknown:
        known = ", ".join(step.tag for step in steps) or "none"
        raise SystemExit(f"steps: unknown step tag(s) {', '.join(unknown)} (known: {known})")
    return [step for step in steps if not only or step.tag in only]


def planned_steps(repo: Path) -> list[Step]:
    """The step tags, with those `recreate_tags` would create from trailers (creating none)."""
    head = git(repo, "rev-parse", "HEAD")
    planned = discover_steps(repo) + [
        Step(tag, int(match[1]), commit, commit == head)
        for tag, commit in missing_trailer_tags(repo)
        if (match := STEP_TAG.match(tag))
    ]
    return sorted(planned, key=lambda step: (step.number, step.tag))


# --- known failures ---------------------------------------------------------------------------


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
        known[tag] = {}
        seen: dict[str, int | None] = {}  # test -> line of its first entry
        for index, entry in enumerate(entries):
            lines = header_lines.get(tag, [])
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
            known[tag][test] = KnownFailure(tag, test, entry["reason"], entry["fixed_by"], line)
    if errors:
        raise KnownFailuresError("\n".join(errors))
    return {tag: tests for tag, tests in known.items() if tests}


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


def collect_suite(repo: Path) -> frozenset[str] | None:
    """The node ids of this checkout's whole contract suite (all markers); None if it fails."""
    argv = [sys.executable, "-m", "pytest", "tests/contract", "--collect-only", "-q"]
    try:
        done = subprocess.run(
            [*argv, "-p", "no:cacheprovider"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=COLLECT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode not in (0, 5):  # 5: no tests at all, an empty suite
        return None
    return frozenset(
        line.strip() for line in done.stdout.splitlines() if TEST_ID.match(line.strip())
    )


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


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string


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


# --- report -----------------------------------------------------------------------------------


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
        _plural(known, "known failure", "known failures") + " fixed later" if known else "",
        _plural(unlisted, "unlisted failure", "unlisted failures") if unlisted else "",
        _plural(stale, "stale entry", "stale entries") if stale else "",
        _plural(incomplete, "incomplete entry", "incomplete entries") if incomplete else "",
    ]
    counted = ", ".join(count for count in counts if count)
    return line + (f"; {counted}" if counted else "")


# --- one step ---------------------------------------------------------------------------------


def worktree_env(worktree: Path) -> dict[str, str]:
    """This environment without this checkout's venv; uv installs into the worktree's own."""
    env = dict(os.environ)
    own_venv = env.pop("VIRTUAL_ENV", None)
    own_bin = {str(Path(sys.executable).parent)} | ({f"{own_venv}/bin"} if own_venv else set())
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p not in own_bin
    )
    env["UV_PROJECT_ENVIRONMENT"] = str(worktree / ".venv")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_logged(
    argv: Sequence[str],
    log_path: Path,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    echo: TextIO | None = None,
) -> int:
    """Run `argv` with its output in `log_path` (and echoed, if asked); its exit code."""
    with log_path.open("w", encoding="utf-8") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        watchdog = threading.Timer(timeout, process.kill) if timeout is not None else None
        if watchdog is not None:
            watchdog.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                log.flush()
                if echo is not None:
                    echo.write(f"    {line}")
                    echo.flush()
            code = process.wait()
        finally:
            if watchdog is not None:
                watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if code < 0 and timeout is not None:
            log.write(f"\n(steps: killed after {timeout:.0f} s)\n")
        return code


@dataclass
class StartedTopology:
    base_url: str
    admin_email: str
    admin_password: str
    database_url: str | None
    process_groups: list[int]


@contextlib.contextmanager
def step_topology(worktree: Path, logs: Path, env: dict[str, str]) -> Iterator[StartedTopology]:
    """The step's own topology on PostgreSQL, started by its own interpreter; always stopped."""
    arguments: dict[str, str] = {"database": "postgres", "workdir": str(logs / "topology")}
    topology_file = worktree / "topology" / "topology.toml"
    if topology_file.exists():
        arguments["topology_file"] = str(topology_file)
    log_path = logs / "topology-start.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(worktree / ".venv" / "bin" / "python"),
                "-c",
                TOPOLOGY_SNIPPET,
                json.dumps(arguments),
            ],
            cwd=worktree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: StartedTopology | None = None
    try:
        started = _wait_ready(process, log_path)
        yield started
    finally:
        with uninterruptible():
            _stop_topology(process, started)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> StartedTopology:
    deadline = time.monotonic() + TOPOLOGY_START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(READY_MARKER):
                return StartedTopology(**json.loads(line[len(READY_MARKER) :]))
        if process.poll() is not None:
            raise RuntimeError(f"topology exited with code {process.returncode}")
        time.sleep(0.5)
    raise RuntimeError(f"topology not up after {TOPOLOGY_START_TIMEOUT_S:.0f} s")


def _stop_topology(process: subprocess.Popen[bytes], started: StartedTopology | None) -> None:
    """Close stdin (a clean stop drops the database); force it, and clean up after it, if not."""
    with contextlib.suppress(OSError):
        assert process.stdin is not None
        process.stdin.close()
    clean = _wait(process, TOPOLOGY_STOP_TIMEOUT_S)
    if not clean:
        _kill_group(process.pid, signal.SIGTERM)
        if not _wait(process, 30):
            _kill_group(process.pid, signal.SIGKILL)
            process.wait()
    _kill_group(process.pid, signal.SIGKILL)  # anything it left behind in its own group
    if started is not None and (not clean or process.returncode != 0):
        for group in started.process_groups:
            _kill_group(group, signal.SIGKILL)
        if started.database_url:
            drop_database(started.database_url)


def _wait(process: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _kill_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def drop_database(database_url: str) -> None:
    """The fallback when a topology could not drop its own database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url.replace("+psycopg", "", 1))
    name = parts.path.lstrip("/")
    try:
        with psycopg.connect(
            urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=5
        ) as connection:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(statement.format(sql.Identifier(name)))
    except psycopg.Error as error:
        print(f"  warning: could not drop database {name}: {error}", file=sys.stderr)


def run_contract(
    repo: Path, started: StartedTopology, logs: Path, *, browser: bool
) -> ContractResult:
    """HEAD's contract suite, with this checkout's interpreter, against the started topology."""
    junit = logs / "contract-junit.xml"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "tests/contract",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
    ]
    if not browser:
        argv += ["-m", "not browser"]
    env = dict(os.environ) | {
        "SHOP_BASE_URL": started.base_url,
        "SHOP_ADMIN_EMAIL": started.admin_email,
        "SHOP_ADMIN_PASSWORD": started.admin_password,
        "PYTHONUNBUFFERED": "1",  # its progress shows as it goes
    }
    code = run_logged(argv, logs / "contract.log", cwd=repo, env=env, echo=sys.stdout)
    return parse_junit(junit, code, repo)


def read_junit(junit: Path) -> ET.Element | None:
    try:
        return ET.parse(junit).getroot()  # noqa: S314 (written by our own pytest run)
    except (OSError, ET.ParseError):
        return None


def parse_junit(junit: Path, exit_code: int, root: Path = SCRIPTS.parent) -> ContractResult:
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


def junit_outcomes(junit: Path, root: Path = SCRIPTS.parent) -> dict[str, str] | None:
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


def failed_tests(junit: Path, root: Path = SCRIPTS.parent) -> list[str]:
    outcomes = junit_outcomes(junit, root) or {}
    return [test for test, outcome in outcomes.items() if outcome == FAILED]


def run_import_rules(worktree: Path, logs: Path, env: dict[str, str]) -> ImportRulesResult:
    lint_imports = worktree / ".venv" / "bin" / "lint-imports"
    if not lint_imports.exists():
        return ImportRulesResult(error="no lint-imports in the step's venv")
    log_path = logs / "lint-imports.log"
    code = run_logged([str(lint_imports)], log_path, cwd=worktree, env=env, timeout=LINT_TIMEOUT_S)
    return parse_import_rules(log_path.read_text(encoding="utf-8", errors="replace"), code)


def parse_import_rules(output: str, exit_code: int) -> ImportRulesResult:
    match = CONTRACTS.search(output)
    if match is None:
        return ImportRulesResult(exit_code=exit_code, error=f"lint-imports exit {exit_code}")
    return ImportRulesResult(int(match[1]), int(match[2]), exit_code)


@contextlib.contextmanager
def worktree_of(repo: Path, step: Step) -> Iterator[Path]:
    """A detached worktree of the step's tag in a temporary directory; always removed."""
    parent = Path(tempfile.mkdtemp(prefix="shop-steps-"))
    path = parent / step.tag
    try:
        git(repo, "worktree", "add", "--detach", str(path), step.tag)
        yield path
    finally:
        with uninterruptible():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)],
                cwd=repo,
                capture_output=True,
                check=False,
            )
            shutil.rmtree(parent, ignore_errors=True)
            subprocess.run(["git", "worktree", "prune"], cwd=repo, capture_output=True, check=False)


def run_step(step: Step, options: Options) -> StepResult:
    began = time.monotonic()
    logs = options.repo / ".run" / "steps" / step.tag
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    head = ", HEAD" if step.is_head else ""
    print(f"== {step.tag} ({step.commit[:12]}{head}); logs in {logs}", flush=True)
    with worktree_of(options.repo, step) as worktree:
        env = worktree_env(worktree)
        print("  install: uv sync --all-packages", flush=True)
        installed = run_logged(
            [options.uv, "sync", "--all-packages"],
            logs / "install.log",
            cwd=worktree,
            env=env,
            timeout=INSTALL_TIMEOUT_S,
        )
        if installed != 0:
            print(f"  install failed; see {logs / 'install.log'}", flush=True)
            failure = "install failed"
            return StepResult(
                step.tag,
                ContractResult(error=failure),
                ImportRulesResult(error=failure),
                time.monotonic() - began,
            )
        contract = _contract_against_topology(step, worktree, logs, env, options)
        print(f"  contract: {contract.cell()}", flush=True)
        import_rules = run_import_rules(worktree, logs, env)
        print(f"  import rules: {import_rules.cell()}", flush=True)
    return StepResult(step.tag, contract, import_rules, time.monotonic() - began)


def _contract_against_topology(
    step: Step, worktree: Path, logs: Path, env: dict[str, str], options: Options
) -> ContractResult:
    print("  topology: starting its shop_topology on postgres", flush=True)
    try:
        with step_topology(worktree, logs, env) as started:
            print(f"  topology: up at {started.base_url}; contract suite (HEAD)", flush=True)
            result = run_contract(options.repo, started, logs, browser=options.browser)
    except RuntimeError as error:
        start_log = logs / "topology-start.log"
        last_lines = start_log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print(f"  {error}; see {start_log} and {logs / 'topology'}/", flush=True)
        print("".join(f"    {line}\n" for line in last_lines), end="", flush=True)
        return ContractResult(error="topology did not start")
    listed = options.known_failures.get(step.tag, {})
    for test, outcome in result.outcomes.items():
        if outcome == FAILED:
            entry = listed.get(test)
            note = f"known, fixed by {entry.fixed_by}" if entry else "not listed"
            print(f"  failed: {test}  ({note})", flush=True)
    return judge(result, listed, options.suite)


def result_from_logs(step: Step, options: Options) -> StepResult:
    """The step's result read back from the logs of its last run, judged against the current
    known-failures file (pytest's and lint-imports' exit codes inferred from their counts)."""
    logs = options.repo / ".run" / "steps" / step.tag
    contract = parse_junit(logs / "contract-junit.xml", 0, options.repo)
    if contract.error is None:
        contract = judge(
            replace(contract, exit_code=int(contract.failed > 0)),
            options.known_failures.get(step.tag, {}),
            options.suite,
        )
    else:
        contract = ContractResult(error=f"no contract results in {logs.relative_to(options.repo)}")
    lint_log = logs / "lint-imports.log"
    output = lint_log.read_text(encoding="utf-8", errors="replace") if lint_log.exists() else ""
    import_rules = parse_import_rules(output, 0)
    if import_rules.error is None:
        import_rules = replace(import_rules, exit_code=int(import_rules.broken > 0))
    else:
        import_rules = ImportRulesResult(error=f"no result in {lint_log.relative_to(options.repo)}")
    return StepResult(step.tag, contract, import_rules, None)


# --- main -------------------------------------------------------------------------------------


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Cleanup must not be cut short by a second Ctrl-C."""
    signums = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="steps", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TAG",
        help="run only this step tag (repeatable)",
    )
    parser.add_argument(
        "--keep-going",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the later steps after a red one (default: yes)",
    )
    parser.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"include the browser tests (default: if {CHROMIUM} exists)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what it would do")
    parser.add_argument(
        "--known-failures",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the known failures of older step tags (default: {KNOWN_FAILURES})",
    )
    parser.add_argument(
        "--print-known-failures",
        action="store_true",
        help='print ready-to-paste entries for the unlisted failures (reason "TODO")',
    )
    parser.add_argument(
        "--from-logs",
        action="store_true",
        help="install and run nothing: judge the last run's logs in .run/steps/ against the"
        " known-failures file as it is now",
    )
    parser.add_argument("--repo", type=Path, default=SCRIPTS.parent, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    browser = CHROMIUM.exists() if args.browser is None else args.browser
    uv = os.environ.get("UV", "uv")
    return Options(
        args.repo.resolve(),
        args.only,
        args.keep_going,
        browser,
        args.dry_run,
        uv,
        known_failures_file=args.known_failures.resolve() if args.known_failures else None,
        print_known_failures=args.print_known_failures,
        from_logs=args.from_logs,
    )


def describe_known_failures(options: Options) -> str:
    """What the known-failures file lists, and what already makes the run red."""
    known = options.known_failures
    listed = ", ".join(f"{tag} {len(tests)}" for tag, tests in known.items()) or "none listed"
    lines = [f"known failures ({options.known_failures_name()}): {listed}"]
    entries = [entry for tests in known.values() for entry in tests.values()]
    unfilled = [entry for entry in entries if entry.unfilled]
    if unfilled:
        lines.append(
            f"  {_plural(len(unfilled), 'incomplete entry', 'incomplete entries')}"
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


def dry_run(steps: Sequence[Step], missing: Sequence[tuple[str, str]], options: Options) -> str:
    lines = [f"would recreate {tag} -> {commit[:12]}" for tag, commit in missing]
    lines.append(f"contract suite: {options.repo / 'tests' / 'contract'} with {sys.executable}")
    lines.append(f"browser tests: {'included' if options.browser else 'excluded'}")
    lines.append(describe_known_failures(options))
    for step in steps:
        head = ", HEAD" if step.is_head else ""
        listed = len(options.known_failures.get(step.tag, {}))
        expected = "  expected: the whole suite passes"
        if listed:
            expected += f" but {_plural(listed, 'known failure', 'known failures')}"
        elif step.is_head:
            expected += " (HEAD: no known failures allowed)"
        lines += [
            f"{step.tag} ({step.commit[:12]}{head}):",
            f"  git worktree add --detach <tmp>/{step.tag} {step.tag}",
            f"  {options.uv} sync --all-packages  (in the worktree, into its own .venv)",
            "  <worktree>/.venv/bin/python: shop_topology.start(database='postgres',"
            " topology_file='<worktree>/topology/topology.toml')",
            "  SHOP_BASE_URL=<its url> pytest tests/contract"
            + ("" if options.browser else " -m 'not browser'"),
            expected,
            "  <worktree>/.venv/bin/lint-imports  (in the worktree)",
            f"  git worktree remove --force <tmp>/{step.tag}",
        ]
    if not steps:
        lines.append("no step tags")
    return "\n".join(lines)


def _load_known_failures(options: Options, steps: Sequence[Step]) -> KnownFailures | None:
    try:
        return load_known_failures(
            options.known_failures_path, steps, name=options.known_failures_name()
        )
    except KnownFailuresError as error:
        print(f"steps: invalid known-failures file\n{error}", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if options.dry_run:
        missing = missing_trailer_tags(options.repo)
        steps = planned_steps(options.repo)
        known = _load_known_failures(options, steps)
        if known is None:
            return 2
        options = replace(options, known_failures=known)
        print(dry_run(select_steps(steps, options.only), missing, options))
        return 0
    if not options.from_logs:
        print(recreate_tags(options.repo), end="", flush=True)
    all_steps = discover_steps(options.repo)
    steps = select_steps(all_steps, options.only)
    if not steps:
        print("steps: no step tags (step-N-...) found")
        return 1
    known = _load_known_failures(options, all_steps)
    if known is None:
        return 2
    options = replace(
        options, known_failures=known, suite=collect_suite(options.repo) if known else None
    )
    print(describe_known_failures(options), flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    results: list[StepResult] = []
    interrupted = False
    try:
        for step in steps:
            try:
                if options.from_logs:
                    results.append(result_from_logs(step, options))
                else:
                    results.append(run_step(step, options))
            except (OSError, subprocess.CalledProcessError) as error:
                print(f"  {step.tag}: {error}", flush=True)
                failure = f"steps: {type(error).__name__}"
                results.append(
                    StepResult(
                        step.tag,
                        ContractResult(error=failure),
                        ImportRulesResult(error=failure),
                        0.0,
                    )
                )
            if not results[-1].green and not options.keep_going:
                break
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted", flush=True)
    not_run = [step.tag for step in steps[len(results) :]]
    print(report(results, not_run, options, [step.tag for step in steps if step.is_head]))
    if interrupted:
        return 130
    return 0 if all(result.green for result in results) and not not_run else 1


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


if __name__ == "__main__":
    sys.exit(main())
