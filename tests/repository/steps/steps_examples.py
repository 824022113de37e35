"""Example step tags, contract tests, known-failures entries and results the tests share."""

import subprocess
import sys

from steps.known_failures import KnownFailure, judge
from steps.results import ContractResult, ImportRulesResult, StepResult
from steps.tags import Step

STEP_0, STEP_1, STEP_2 = "step-0-monolith", "step-1-strangler-proxy", "step-2-modular-monolith"
TAGS = [  # step 2 is at HEAD
    Step(STEP_0, 0, "0" * 40, False),
    Step(STEP_1, 1, "1" * 40, False),
    Step(STEP_2, 2, "2" * 40, True),
]
CANCEL = "tests/contract/test_orders.py::test_cancel[card-4242]"
SHIP = "tests/contract/test_orders.py::test_ship"
ADD = "tests/contract/test_basket.py::test_add"
SOURCE = "tests/contract/known-failures.toml"


def entry(tag: str, test: str, reason: str = "a reason", fixed_by: str = STEP_2, **more: str):
    """One [[tag]] table of the known-failures file."""
    lines = [f"[[{tag}]]", f'test = "{test}"', f'reason = "{reason}"', f'fixed_by = "{fixed_by}"']
    return "\n".join(lines + [f'{key} = "{value}"' for key, value in more.items()]) + "\n\n"


def known(*failures: tuple[str, str, str]) -> dict[str, KnownFailure]:
    """(test, reason, fixed_by) -> the listed known failures of one step tag."""
    return {
        test: KnownFailure(STEP_0, test, reason, fixed_by) for test, reason, fixed_by in failures
    }


def judged(outcomes: dict[str, str], listed: dict[str, KnownFailure], suite=None):
    """A contract result with these outcomes, judged against `listed`."""
    failed = sum(outcome == "failed" for outcome in outcomes.values())
    result = ContractResult(
        passed=sum(outcome == "passed" for outcome in outcomes.values()),
        failed=failed,
        skipped=sum(outcome == "skipped" for outcome in outcomes.values()),
        exit_code=int(failed > 0),
        outcomes=outcomes,
    )
    return judge(result, listed, frozenset(suite) if suite is not None else None)


SUITE = {CANCEL, SHIP, ADD}
LISTED = known((CANCEL, "restocks late", STEP_1), (SHIP, "no shipping yet", STEP_2))


def step_result(tag: str, contract: ContractResult, broken: int = 0) -> StepResult:
    return StepResult(tag, contract, ImportRulesResult(3, broken, int(broken > 0)), 61.0)


def result(tag: str, *, failed: int = 0, broken: int = 0, error: str | None = None) -> StepResult:
    """A step's result with 120 passed tests, unjudged."""
    contract = ContractResult(passed=120, failed=failed, skipped=2, exit_code=int(failed > 0))
    return StepResult(
        tag,
        ContractResult(error=error) if error else contract,
        ImportRulesResult(kept=3, broken=broken, exit_code=int(broken > 0)),
        61.04,
    )


def junit_of(**outcomes: str) -> str:
    """A junit file of tests/contract/test_orders.py with these outcomes by test name."""
    children = {"passed": "", "failed": "<failure/>", "skipped": "<skipped/>"}
    cases = "".join(
        f'<testcase classname="tests.contract.test_orders" name="{name}">{children[outcome]}'
        "</testcase>"
        for name, outcome in outcomes.items()
    )
    return f"<testsuites><testsuite>{cases}</testsuite></testsuites>"


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped): the owner of a killed run."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=-1)
    return int(done.stdout)
