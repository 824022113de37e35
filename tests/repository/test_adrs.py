"""The decision records stay a guide (ADR-0001): each names, under Confirmation, things that
exist (tests, files, make targets, import-linter contracts), and the index lists them all."""

import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ADR_DIR = ROOT / "adr"
RECORDS = sorted(
    path for path in ADR_DIR.glob("[0-9][0-9][0-9][0-9]-*.md") if path.name[:4] != "0000"
)
CODE = re.compile(r"`([^`\n]+)`")
TEST_NAME = re.compile(r"^test_\w+$")
FILE_LIKE = re.compile(r"^[\w./*-]+\.(py|toml|ya?ml|md|sh|json)$|^[\w.-]+/[\w./-]*$")


def front_matter(path: Path) -> dict[str, str]:
    text = path.read_text()
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    block = text.split("---\n", 2)[1]
    return dict(line.split(": ", 1) for line in block.strip().splitlines())


def title(path: Path) -> str:
    return next(line[2:] for line in path.read_text().splitlines() if line.startswith("# "))


def confirmation(path: Path) -> str:
    match = re.search(r"^### Confirmation\n(.*?)(?=^## |\Z)", path.read_text(), re.M | re.S)
    assert match, f"{path.name}: no Confirmation section"
    return match.group(1)


@cache
def tracked_files() -> tuple[str, ...]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(out.stdout.splitlines())


def find_files(name: str) -> list[Path]:
    """A path from the root, or a file name found anywhere in the tracked tree."""
    name = name.rstrip("/")
    if (ROOT / name).exists():
        return [ROOT / name]
    return [ROOT / path for path in tracked_files() if path.endswith("/" + name)]


def defines_test(files: list[Path], test: str) -> bool:
    pattern = re.compile(rf"^\s*(async\s+)?def {re.escape(test)}\(", re.M)
    return any(pattern.search(path.read_text()) for path in files if path.suffix == ".py")


def all_test_files() -> list[Path]:
    return [ROOT / p for p in tracked_files() if re.search(r"(^|/)test_\w+\.py$", p)]


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))


def importlinter_ids() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {contract["id"] for contract in config["tool"]["importlinter"]["contracts"]}


def missing_references(text: str) -> list[str]:
    missing = []
    contracts = importlinter_ids()
    for token in CODE.findall(text):
        token = token.strip()
        if token.startswith("make "):
            target = token.split()[1]
            if target not in make_targets():
                missing.append(f"make target {target!r}")
        elif "::" in token:
            file_part, _, test = token.partition("::")
            test = test.split("[")[0]
            files = find_files(file_part)
            if not files:
                missing.append(f"file {file_part!r}")
            elif not defines_test(files, test):
                missing.append(f"test {test!r} in {file_part}")
        elif TEST_NAME.match(token):
            if not defines_test(all_test_files(), token):
                missing.append(f"test {token!r}")
        elif token in contracts:
            continue
        elif FILE_LIKE.match(token) and "*" not in token and not find_files(token):
            missing.append(f"file {token!r}")
    return missing


@pytest.mark.parametrize("record", RECORDS, ids=lambda path: path.name[:4])
def test_every_confirmation_names_things_that_exist(record: Path) -> None:
    text = confirmation(record)
    assert CODE.search(text), f"{record.name}: its Confirmation names no test, file or command"
    assert missing_references(text) == [], record.name


def test_the_checker_notices_what_does_not_exist() -> None:
    text = (
        "`tests/nowhere/test_gone.py`, `test_adrs.py::test_no_such_thing`, `make no-such`, "
        "`test_never_written_anywhere`"
    )
    assert len(missing_references(text)) == 4
    assert missing_references("`test_adrs.py::test_the_checker_notices_what_does_not_exist`") == []


def test_the_index_lists_every_record_with_its_title_and_status() -> None:
    index = (ADR_DIR / "README.md").read_text()
    rows = {
        match.group(1): (match.group(2).strip(), match.group(3).strip())
        for match in re.finditer(
            r"^\| \[(\d{4})\]\([^)]+\) \| (.+?) \| (.+?) \| .+ \|$", index, re.M
        )
    }
    for record in RECORDS:
        number = record.name[:4]
        assert number in rows, f"adr/README.md does not list {record.name}"
        listed_title, listed_status = rows[number]
        assert listed_title == title(record), number
        assert listed_status == front_matter(record)["status"], number
    assert len(rows) == len(RECORDS), "adr/README.md lists a record that does not exist"
