"""`make steps`: every step tag, installed and started on its own, against HEAD's contract suite.

For each `step-N-...` tag (missing ones first recreated from `Migration-Step:` trailers), in
order of N: a detached git worktree of the tag in a temporary directory, its own `uv sync
--all-packages`, its own topology (its `shop_topology.start` on a fresh PostgreSQL database),
this checkout's contract suite against it, and its own `lint-imports`. Contract tests are only
ever added, so an old step failing a newer test is a real finding. Logs stay in
`.run/steps/<tag>/`. Exits 1 if any step is red.
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
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO
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


@dataclass(frozen=True)
class ContractResult:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    exit_code: int = 0
    error: str | None = None  # the suite could not run at all

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0 and self.failed == 0

    def cell(self) -> str:
        if self.error is not None:
            return f"FAILED ({self.error})"
        text = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            text += f", {self.skipped} skipped"
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
    seconds: float

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


# --- report -----------------------------------------------------------------------------------


def format_table(results: Sequence[StepResult], not_run: Sequence[str] = ()) -> str:
    rows = [("step tag", "contract", "import rules", "seconds", "result")]
    for result in results:
        rows.append(
            (
                result.tag,
                result.contract.cell(),
                result.import_rules.cell(),
                f"{result.seconds:.1f}",
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


def summary_line(results: Sequence[StepResult], not_run: Sequence[str] = ()) -> str:
    green = sum(result.green for result in results)
    line = f"steps: {green} green, {len(results) - green} red"
    return line + (f", {len(not_run)} not run" if not_run else "")


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
    return parse_junit(junit, code)


def read_junit(junit: Path) -> ET.Element | None:
    try:
        return ET.parse(junit).getroot()  # noqa: S314 (written by our own pytest run)
    except (OSError, ET.ParseError):
        return None


def parse_junit(junit: Path, exit_code: int) -> ContractResult:
    root = read_junit(junit)
    if root is None:
        return ContractResult(exit_code=exit_code, error=f"no results, pytest exit {exit_code}")
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    if total == 0:
        return ContractResult(exit_code=exit_code, error=f"no tests ran, pytest exit {exit_code}")
    return ContractResult(total - failed - skipped, failed, skipped, exit_code)


def failed_tests(junit: Path) -> list[str]:
    root = read_junit(junit)
    if root is None:
        return []
    return [
        f"{case.get('classname')}::{case.get('name')}"
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]


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
    for test in failed_tests(logs / "contract-junit.xml"):
        print(f"  failed: {test}", flush=True)
    return result


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
    parser.add_argument("--repo", type=Path, default=SCRIPTS.parent, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    browser = CHROMIUM.exists() if args.browser is None else args.browser
    uv = os.environ.get("UV", "uv")
    return Options(args.repo.resolve(), args.only, args.keep_going, browser, args.dry_run, uv)


def dry_run(steps: Sequence[Step], missing: Sequence[tuple[str, str]], options: Options) -> str:
    lines = [f"would recreate {tag} -> {commit[:12]}" for tag, commit in missing]
    lines.append(f"contract suite: {options.repo / 'tests' / 'contract'} with {sys.executable}")
    lines.append(f"browser tests: {'included' if options.browser else 'excluded'}")
    for step in steps:
        head = ", HEAD" if step.is_head else ""
        lines += [
            f"{step.tag} ({step.commit[:12]}{head}):",
            f"  git worktree add --detach <tmp>/{step.tag} {step.tag}",
            f"  {options.uv} sync --all-packages  (in the worktree, into its own .venv)",
            "  <worktree>/.venv/bin/python: shop_topology.start(database='postgres',"
            " topology_file='<worktree>/topology/topology.toml')",
            "  SHOP_BASE_URL=<its url> pytest tests/contract"
            + ("" if options.browser else " -m 'not browser'"),
            "  <worktree>/.venv/bin/lint-imports  (in the worktree)",
            f"  git worktree remove --force <tmp>/{step.tag}",
        ]
    if not steps:
        lines.append("no step tags")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if options.dry_run:
        missing = missing_trailer_tags(options.repo)
        head = git(options.repo, "rev-parse", "HEAD")
        planned = discover_steps(options.repo) + [
            Step(tag, int(m[1]), commit, commit == head)
            for tag, commit in missing
            if (m := STEP_TAG.match(tag))
        ]
        steps = sorted(planned, key=lambda step: (step.number, step.tag))
        print(dry_run(select_steps(steps, options.only), missing, options))
        return 0
    print(recreate_tags(options.repo), end="", flush=True)
    steps = select_steps(discover_steps(options.repo), options.only)
    if not steps:
        print("steps: no step tags (step-N-...) found")
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    results: list[StepResult] = []
    interrupted = False
    try:
        for step in steps:
            try:
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
    print(f"\n{format_table(results, not_run)}\n{summary_line(results, not_run)}")
    if interrupted:
        return 130
    return 0 if all(result.green for result in results) and not not_run else 1


if __name__ == "__main__":
    sys.exit(main())
