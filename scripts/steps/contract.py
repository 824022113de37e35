"""This checkout's contract suite against a step's topology, with this checkout's interpreter;
and the step's own import-linter contracts, with its own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .command import run_command
from .junit import parse_junit
from .known_failures import TEST_ID
from .results import ContractResult, ImportRulesResult
from .topology import StartedTopology

CONTRACTS = re.compile(r"Contracts: (\d+) kept, (\d+) broken")
LINT_TIMEOUT_S = 600.0
COLLECT_TIMEOUT_S = 300.0


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
    code = run_command(argv, logs / "contract.log", cwd=repo, env=env, echo=sys.stdout)
    return parse_junit(junit, code, repo)


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


def run_import_rules(worktree: Path, logs: Path, env: dict[str, str]) -> ImportRulesResult:
    lint_imports = worktree / ".venv" / "bin" / "lint-imports"
    if not lint_imports.exists():
        return ImportRulesResult(error="no lint-imports in the step's venv")
    log_path = logs / "lint-imports.log"
    code = run_command([str(lint_imports)], log_path, cwd=worktree, env=env, timeout=LINT_TIMEOUT_S)
    return parse_import_rules(log_path.read_text(encoding="utf-8", errors="replace"), code)


def parse_import_rules(output: str, exit_code: int) -> ImportRulesResult:
    match = CONTRACTS.search(output)
    if match is None:
        return ImportRulesResult(exit_code=exit_code, error=f"lint-imports exit {exit_code}")
    return ImportRulesResult(int(match[1]), int(match[2]), exit_code)
