"""Rules about what the repository may contain (ADR-0005)."""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
LOCK_FILES = re.compile(r"(^|/)(uv\.lock|poetry\.lock|Pipfile\.lock|pdm\.lock)$")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_no_lock_file_is_tracked() -> None:
    assert [path for path in tracked_files() if LOCK_FILES.search(path)] == []


def test_every_dependency_has_an_upper_bound() -> None:
    unbounded = []
    for path in [p for p in tracked_files() if p.endswith("pyproject.toml")]:
        project = tomllib.loads((ROOT / path).read_text())
        requirements = list(project.get("project", {}).get("dependencies", []))
        for group in project.get("dependency-groups", {}).values():
            requirements += group
        for requirement in requirements:
            is_workspace_member = not re.search(r"[<>=~]", requirement)
            if not is_workspace_member and "<" not in requirement and "==" not in requirement:
                unbounded.append(f"{path}: {requirement}")
    assert unbounded == []


def test_no_compiled_module_lies_beside_the_proxy_sources() -> None:
    """A compiled module next to its .py file is imported instead of it: an edit would silently
    not run. The compiled build goes to .run/proxy-compiled only (scripts/proxy-compiled)."""
    source = ROOT / "strangler-proxy" / "src"
    assert sorted(str(p.relative_to(ROOT)) for p in source.rglob("*.so")) == []
