from pathlib import Path

import pytest

from shop_topology import TopologyError, load_topology
from shop_topology.spec import DEFAULT_FILE

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_default_file_is_the_repositorys_topology_toml() -> None:
    assert DEFAULT_FILE == REPO_ROOT / "topology" / "topology.toml"


def test_step_0_is_the_monolith_web_and_worker_behind_setup() -> None:
    topology = load_topology()

    assert topology.step == "step-0-monolith"
    assert topology.entry == "monolith-web"
    assert topology.root == REPO_ROOT
    assert topology.database.kind == "postgres"
    assert [process.name for process in topology.processes] == ["monolith-web", "monolith-worker"]
    assert [setup.name for setup in topology.setup] == ["migrate", "create-admin"]
    assert topology.setup[0].command[:3] == ("alembic", "-c", "migrations/alembic.ini")
    assert set(topology.env) == {
        "DATABASE_URL",
        "SHOP_SECRET_KEY",
        "SHOP_LOG_FORMAT",
        "SHOP_PAYMENT_SETTLE_AFTER_SECONDS",
    }


def test_web_is_checked_over_http_and_the_worker_by_a_command() -> None:
    topology = load_topology()
    web, worker = topology.process("monolith-web"), topology.process("monolith-worker")

    assert web.needs_port and not worker.needs_port
    assert web.health is not None and (web.health.http, web.health.status) == ("/readyz", 200)
    assert worker.health is not None and worker.health.http is None
    assert worker.health.command == ("shop-monolith", "check-db")


def test_an_unknown_process_name_is_an_error() -> None:
    with pytest.raises(TopologyError, match="no process named 'nope'"):
        load_topology().process("nope")


MINIMAL = """
[step]
name = "s"
entry = "web"
[database]
kind = "sqlite"
[[process]]
name = "web"
command = ["serve", "{port}"]
"""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('entry = "web"', 'entry = "api"'), "entry 'api' is not one of the processes"),
        (('["serve", "{port}"]', '["serve"]'), "entry 'web' has no {port}"),
        (('["serve", "{port}"]', '"serve {port}"'), "must be a non-empty list of strings"),
        (('kind = "sqlite"', 'kind = "mysql"'), "database kind 'mysql'"),
        (("[step]", "[stepp]"), "KeyError"),
        (('name = "s"', "name = "), "TOMLDecodeError"),
    ],
)
def test_a_broken_file_is_an_error_naming_the_file(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(MINIMAL.replace(*edit))

    with pytest.raises(TopologyError, match=r"topology\.toml") as raised:
        load_topology(path)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("health", "message"),
    [
        ('{ http = "/", command = ["true"] }', "exactly one of 'http' or 'command'"),
        ("{ status = 200 }", "exactly one of 'http' or 'command'"),
        ('{ http = "/", every = 1 }', "unknown health check keys ['every']"),
    ],
)
def test_a_health_check_is_http_or_command(tmp_path: Path, health: str, message: str) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(MINIMAL + f"health = {health}\n")

    with pytest.raises(TopologyError) as raised:
        load_topology(path)
    assert message in str(raised.value)


def test_duplicate_names_and_portless_http_checks_are_rejected(tmp_path: Path) -> None:
    worker = '[[process]]\nname = "web"\ncommand = ["work"]\nhealth = { http = "/" }\n'
    path = tmp_path / "topology.toml"
    path.write_text(MINIMAL + worker)

    with pytest.raises(TopologyError) as raised:
        load_topology(path)
    assert "duplicate process names" in str(raised.value)
    assert "web: an http health check needs {port}" in str(raised.value)
