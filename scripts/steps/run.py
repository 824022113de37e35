"""One step, in its own worktree, venv and topology: HEAD's contract suite against it and its own
import rules; or its result read back from the logs of the last run. And the leftovers of
earlier runs, removed before the first step."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from .contract import parse_import_rules, run_contract, run_import_rules
from .junit import parse_junit
from .known_failures import judge
from .options import Options
from .results import FAILED, ContractResult, ImportRulesResult, StepResult
from .tags import Step
from .topology import drop_stale_databases, step_topology
from .worktree import install, remove_stale_worktrees, worktree_env, worktree_of


def run_step(step: Step, options: Options) -> StepResult:
    began = time.monotonic()
    logs = options.runs / step.tag
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    head = ", HEAD" if step.is_head else ""
    print(f"== {step.tag} ({step.commit[:12]}{head}); logs in {logs}", flush=True)
    with worktree_of(options.repo, step) as worktree:
        env = worktree_env(worktree)
        print("  install: uv sync --all-packages", flush=True)
        if install(worktree, logs / "install.log", env, options.uv) != 0:
            print(f"  install failed; see {logs / 'install.log'}", flush=True)
            return StepResult.failure(step.tag, "install failed", time.monotonic() - began)
        contract = contract_against_topology(step, worktree, logs, env, options)
        print(f"  contract: {contract.cell()}", flush=True)
        import_rules = run_import_rules(worktree, logs, env)
        print(f"  import rules: {import_rules.cell()}", flush=True)
    return StepResult(step.tag, contract, import_rules, time.monotonic() - began)


def contract_against_topology(
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
    logs = options.runs / step.tag
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


def clean_up_after_earlier_runs(options: Options) -> None:
    """Removes the worktrees and drops the databases of earlier runs that were killed."""
    for path in remove_stale_worktrees(options.repo):
        print(f"removed the stale worktree {path} of an earlier run", flush=True)
    for url in drop_stale_databases(options.runs):
        name = urlsplit(url).path.lstrip("/")
        print(f"dropped the stale database {name} of an earlier run", flush=True)
