"""`make steps`: every step tag, installed and started on its own, against HEAD's contract suite.

The command line (`python scripts/steps [ARGS]`): the options, the dry run, and the run of every
selected step, ending with the report; see the package's docstring for what a step is.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from .contract import collect_suite
from .known_failures import KNOWN_FAILURES, KnownFailures, KnownFailuresError, load_known_failures
from .options import Options
from .report import describe_known_failures, report
from .results import StepResult, plural
from .run import clean_up_after_earlier_runs, result_from_logs, run_step
from .tags import (
    Step,
    discover_steps,
    missing_trailer_tags,
    planned_steps,
    recreate_tags,
    select_steps,
)

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DESCRIPTION = (__doc__ or "").splitlines()[0]


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="steps", description=DESCRIPTION)
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
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
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
            expected += f" but {plural(listed, 'known failure', 'known failures')}"
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


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


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
        clean_up_after_earlier_runs(options)
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
                results.append(StepResult.failure(step.tag, f"steps: {type(error).__name__}", 0.0))
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
