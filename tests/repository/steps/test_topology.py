"""steps.topology: a tag's topology served by serve_topology.py with the tag's interpreter (here a
fake shop_topology offering only what every tag's does), stopped whatever happens; and the
databases of killed runs, dropped by the next run."""

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from steps import topology
from steps_examples import dead_pid

FAKE_SHOP_TOPOLOGY = textwrap.dedent("""
    import contextlib, json, pathlib

    class Running:
        base_url = "http://127.0.0.1:1"
        admin_email = "admin@shop.example"
        admin_password = "pw"
        database_url = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_t_fake"

    @contextlib.contextmanager
    def start(**arguments):
        workdir = pathlib.Path(arguments["workdir"])
        workdir.mkdir(parents=True)
        (workdir / "arguments.json").write_text(json.dumps(arguments))
        try:
            yield Running()
        finally:
            (workdir / "stopped").touch()
""")


@pytest.fixture
def tag_worktree(tmp_path: Path) -> Path:
    """A worktree whose .venv's python imports the fake shop_topology above."""
    path = tmp_path / "worktree"
    (path / "topology").mkdir(parents=True)
    (path / "topology" / "topology.toml").touch()
    (path / "site").mkdir()
    (path / "site" / "shop_topology.py").write_text(FAKE_SHOP_TOPOLOGY)
    python = path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return path


def fake_env(worktree: Path) -> dict[str, str]:
    return dict(os.environ) | {"PYTHONPATH": str(worktree / "site")}


def test_the_tags_topology_is_served_until_the_block_ends_and_its_database_recorded(
    tag_worktree: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    env = fake_env(tag_worktree)
    workdir = logs / "topology"

    with topology.step_topology(tag_worktree, logs, env) as started:
        assert started.base_url == "http://127.0.0.1:1"
        assert (started.admin_email, started.admin_password) == ("admin@shop.example", "pw")
        assert started.process_groups == []  # an old tag's topology may not name its processes
        assert json.loads((workdir / "arguments.json").read_text()) == {
            "database": "postgres",
            "workdir": str(workdir),
            "topology_file": str(tag_worktree / "topology" / "topology.toml"),
        }
        record = json.loads((logs / topology.DATABASE_RECORD).read_text())
        assert record == {"owner": os.getpid(), "database_url": started.database_url}
        assert not (workdir / "stopped").exists()

    assert (workdir / "stopped").exists()  # a clean stop: the topology dropped its database
    assert not (logs / topology.DATABASE_RECORD).exists()


def test_a_topology_that_does_not_start_is_named_with_its_exit_code(
    tag_worktree: Path, tmp_path: Path
) -> None:
    (tag_worktree / "site" / "shop_topology.py").write_text("raise SystemExit('no database')\n")

    with (
        pytest.raises(RuntimeError, match="topology exited with code 1"),
        topology.step_topology(tag_worktree, tmp_path, fake_env(tag_worktree)),
    ):
        pytest.fail("started")

    assert "no database" in (tmp_path / "topology-start.log").read_text()


def test_the_databases_of_killed_runs_are_dropped_and_the_others_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[str] = []
    monkeypatch.setattr(topology, "drop_database", lambda url: dropped.append(url) or True)
    for tag, owner in [("step-0-monolith", dead_pid()), ("step-1-proxy", os.getpid())]:
        (tmp_path / tag).mkdir()
        record = {"owner": owner, "database_url": f"postgresql://127.0.0.1/shop_t_{tag[5]}"}
        (tmp_path / tag / topology.DATABASE_RECORD).write_text(json.dumps(record))

    assert topology.drop_stale_databases(tmp_path) == ["postgresql://127.0.0.1/shop_t_0"]

    assert dropped == ["postgresql://127.0.0.1/shop_t_0"]
    assert not (tmp_path / "step-0-monolith" / topology.DATABASE_RECORD).exists()
    assert (tmp_path / "step-1-proxy" / topology.DATABASE_RECORD).exists()  # a live run's
