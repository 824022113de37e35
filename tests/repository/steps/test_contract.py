"""steps.contract: the contract suite's node ids, lint-imports' counts, a command's log."""

import sys
from pathlib import Path

from steps import command, contract


def test_import_linter_output_becomes_counts() -> None:
    assert (
        contract.parse_import_rules("Contracts: 3 kept, 1 broken.", 1).cell() == "3 kept, 1 broken"
    )
    assert not contract.parse_import_rules("Contracts: 3 kept, 1 broken.", 1).ok
    assert contract.parse_import_rules("Traceback ...", 1).cell() == "FAILED (lint-imports exit 1)"


def test_collecting_the_suite_gives_its_node_ids(tmp_path: Path) -> None:
    suite = tmp_path / "tests" / "contract"
    suite.mkdir(parents=True)
    (suite / "test_a.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('x', ['GET /a', 'b.c'])\n"
        "def test_p(x): pass\n\n"
        "class TestK:\n    def test_m(self): pass\n"
    )

    assert contract.collect_suite(tmp_path) == {
        "tests/contract/test_a.py::test_p[GET /a]",
        "tests/contract/test_a.py::test_p[b.c]",
        "tests/contract/test_a.py::TestK::test_m",
    }


def test_a_command_runs_with_its_output_in_its_log_and_is_killed_after_its_time(
    tmp_path: Path, capsys
) -> None:
    log = tmp_path / "command.log"
    argv = [sys.executable, "-c", "print('one'); print('two', end='')"]

    assert command.run_command(argv, log, cwd=tmp_path, echo=sys.stdout) == 0

    assert log.read_text() == f"$ {' '.join(argv)}\none\ntwo"
    assert capsys.readouterr().out == "    one\n    two"
    sleeper = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"]
    assert command.run_command(sleeper, log, cwd=tmp_path, timeout=0.5) == -9
    assert log.read_text().endswith("started\n\n(steps: killed after 0 s)\n")
