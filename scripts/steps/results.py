"""What a step's run found: its contract suite's counts and outcomes, judged against its known
failures, and its import-linter contracts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


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
            parts.append(plural(self.known, "known failure", "known failures") + " fixed later")
        if self.unlisted:
            parts.append(f"{self.unlisted} failed")
        if self.comparison is not None and self.comparison.stale:
            parts.append(plural(len(self.comparison.stale), "stale entry", "stale entries"))
        if self.comparison is not None and self.comparison.incomplete:
            count = len(self.comparison.incomplete)
            parts.append(plural(count, "incomplete entry", "incomplete entries"))
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

    @classmethod
    def failure(cls, tag: str, error: str, seconds: float | None) -> StepResult:
        """A step that could not be checked at all: red in both columns."""
        return cls(tag, ContractResult(error=error), ImportRulesResult(error=error), seconds)
