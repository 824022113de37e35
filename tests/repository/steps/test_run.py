"""steps.run: one step's run prints its failures as known or not."""

import contextlib
from dataclasses import replace
from pathlib import Path

import pytest
from steps import cli, junit, run, tags
from steps.results import Comparison
from steps.topology import StartedTopology
from steps_examples import SHIP, STEP_0, STEP_1, known


def test_a_step_run_prints_each_failure_as_known_or_not_and_what_to_do(
    shop_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    logs = shop_repo / ".run" / "steps" / STEP_0
    cancel = "tests/contract/test_orders.py::test_cancel"
    started = StartedTopology("http://127.0.0.1:1", "admin@x", "pw", None, [])
    monkeypatch.setattr(run, "step_topology", lambda *args: contextlib.nullcontext(started))
    monkeypatch.setattr(
        run,
        "run_contract",
        lambda repo, started, logs, browser: junit.parse_junit(
            logs / "contract-junit.xml", 1, repo
        ),
    )
    options = replace(
        cli.parse_args(["--repo", str(shop_repo)]),
        known_failures={STEP_0: known((SHIP, "no shipping yet", STEP_1))},
        suite=frozenset({cancel, SHIP}),
    )
    step = tags.discover_steps(shop_repo)[0]

    result = run.contract_against_topology(step, shop_repo, logs, {}, options)

    assert result.comparison == Comparison(known=(SHIP,), unlisted=(cancel,))
    out = capsys.readouterr().out
    assert f"  failed: {cancel}  (not listed)\n" in out
    assert f"  failed: {SHIP}  (known, fixed by {STEP_1})\n" in out
