"""What a `make steps` run was asked to do, and what it knows before the first step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .known_failures import KNOWN_FAILURES, KnownFailures


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

    @property
    def runs(self) -> Path:
        """Where each step's logs go: .run/steps/<tag>/."""
        return self.repo / ".run" / "steps"
