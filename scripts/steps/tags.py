"""Step tags: the annotated `step-N-...` tags, and their recreation from commit trailers.

The commit completing a step carries a `Migration-Step: <tag>` trailer, so a clone without the
tags can recreate them: `python3 scripts/steps/tags.py [REV] [--quiet]` (`make tags`; `make
install` runs it with --quiet) creates each missing tag named by a trailer in the history of REV
(default HEAD) on the commit carrying it (the newest one, if several do) and keeps existing
tags. Standard library only, so that it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

STEP_TAG = re.compile(r"^step-(\d+)-\S+$")
TRAILERS = "--format=%H %(trailers:key=Migration-Step,valueonly,separator=%x20)"


@dataclass(frozen=True)
class Step:
    tag: str
    number: int
    commit: str
    is_head: bool


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _succeeds(repo: Path, *args: str) -> bool:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
    return done.returncode == 0


def trailer_tags(repo: Path, rev: str = "HEAD") -> list[tuple[str, str]]:
    """(tag, commit) of each `Migration-Step:` trailer in the history of `rev`, newest first;
    a tag several commits name is on the newest of them."""
    found: dict[str, str] = {}
    for line in git(repo, "log", TRAILERS, rev).splitlines():
        commit, *tags = line.split()
        for tag in tags:
            found.setdefault(tag, commit)
    return list(found.items())


def missing_trailer_tags(repo: Path, rev: str = "HEAD") -> list[tuple[str, str]]:
    """(tag, commit) of each trailer with no tag yet."""
    existing = set(git(repo, "tag", "--list").split())
    return [(tag, commit) for tag, commit in trailer_tags(repo, rev) if tag not in existing]


def recreate_tags(repo: Path, rev: str = "HEAD", *, quiet: bool = False) -> str:
    """Creates the missing tags; what it did, a line each (`quiet`: only the tags it created).
    A trailer that is no valid tag name is skipped with a warning on stderr."""
    if not _succeeds(repo, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}"):
        return "" if quiet else f"no commits at {rev}: nothing to tag\n"
    existing = set(git(repo, "tag", "--list").split())
    lines: list[str] = []
    created = 0
    for tag, commit in trailer_tags(repo, rev):
        if not _succeeds(repo, "check-ref-format", f"refs/tags/{tag}"):
            print(f"skipped {tag} ({commit[:12]}): not a valid tag name", file=sys.stderr)
        elif tag in existing:
            lines += [] if quiet else [f"exists  {tag}"]
        else:
            _tag(repo, tag, commit)
            lines.append(f"created {tag} -> {commit[:12]}")
            created += 1
    if created or not quiet:
        lines.append(f"{created} step tag(s) created")
    return "".join(f"{line}\n" for line in lines)


def _tag(repo: Path, tag: str, commit: str) -> None:
    """An annotated tag; a clone with no git identity configured tags as the commit's committer."""
    identity: dict[str, str] = {}
    for variable, key, fallback in [
        ("GIT_COMMITTER_NAME", "user.name", "%cn"),
        ("GIT_COMMITTER_EMAIL", "user.email", "%ce"),
    ]:
        configured = subprocess.run(
            ["git", "config", key], cwd=repo, capture_output=True, text=True, check=False
        )
        identity[variable] = configured.stdout.strip() or git(
            repo, "log", "-1", f"--format={fallback}", commit
        )
    git(repo, "tag", "-a", tag, commit, "-m", tag, env=os.environ | identity)


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


def planned_steps(repo: Path) -> list[Step]:
    """The step tags, with those `recreate_tags` would create from trailers (creating none)."""
    head = git(repo, "rev-parse", "HEAD")
    planned = discover_steps(repo) + [
        Step(tag, int(match[1]), commit, commit == head)
        for tag, commit in missing_trailer_tags(repo)
        if (match := STEP_TAG.match(tag))
    ]
    return sorted(planned, key=lambda step: (step.number, step.tag))


def select_steps(steps: list[Step], only: Sequence[str]) -> list[Step]:
    unknown = sorted(set(only) - {step.tag for step in steps})
    if unknown:
        known = ", ".join(step.tag for step in steps) or "none"
        raise SystemExit(f"steps: unknown step tag(s) {', '.join(unknown)} (known: {known})")
    return [step for step in steps if not only or step.tag in only]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tags", description="Recreate missing step tags from `Migration-Step:` trailers."
    )
    parser.add_argument("rev", nargs="?", default="HEAD", help="whose history (default: HEAD)")
    parser.add_argument("--quiet", action="store_true", help="print only the tags it creates")
    args = parser.parse_args(argv)
    print(recreate_tags(Path.cwd(), args.rev, quiet=args.quiet), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
