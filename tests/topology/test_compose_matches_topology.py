"""docker-compose.yml runs what topology/topology.toml runs: same processes, commands, checks."""

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from shop_topology import Topology, load_topology
from shop_topology.render import render_argv
from shop_topology.spec import Command

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTAINER_PORT = 8000
HTTP_PROBE = (
    "import sys, urllib.request; "
    "sys.exit(urllib.request.urlopen('http://127.0.0.1:{port}{path}').status != {status})"
)
SUPPORT_SERVICES = {"postgres", "migrate"}


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology()


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return dict(compose["services"])


def seconds(duration: str) -> float:
    """A Compose duration ('1s', '500ms', '1m30s') in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def in_container(argv: list[str]) -> list[str]:
    """The command as a container runs it: the port is 8000, bound on every interface."""
    return [arg.replace(f"127.0.0.1:{CONTAINER_PORT}", f"0.0.0.0:{CONTAINER_PORT}") for arg in argv]


def env_of(topology: Topology, command: Command) -> dict[str, str]:
    return topology.env | command.env


def test_compose_runs_the_topologys_processes_and_nothing_else(topology, services) -> None:
    assert set(services) == SUPPORT_SERVICES | {process.name for process in topology.processes}


def test_each_process_runs_the_same_command(topology, services) -> None:
    for process in topology.processes:
        expected = in_container(render_argv(process.command, {"port": CONTAINER_PORT}))
        assert services[process.name]["command"] == expected, process.name


def test_each_process_has_an_equivalent_health_check(topology, services) -> None:
    for process in topology.processes:
        check, compose = process.health, services[process.name].get("healthcheck")
        if check is None:
            assert compose is None, process.name
            continue
        if check.http is not None:
            probe = HTTP_PROBE.format(port=CONTAINER_PORT, path=check.http, status=check.status)
            expected = ["CMD", "python", "-c", probe]
        else:
            expected = ["CMD", *render_argv(check.command, {"port": CONTAINER_PORT})]
        assert compose["test"] == expected, process.name
        assert seconds(compose["interval"]) == check.interval, process.name
        assert seconds(compose["timeout"]) == check.timeout, process.name
        assert compose["retries"] == check.retries, process.name


def test_each_process_gets_the_same_environment(topology, services) -> None:
    for command in [*topology.processes, *topology.setup]:
        service = command.name if command in topology.processes else "migrate"
        expected, actual = env_of(topology, command), services[service]["environment"]
        assert set(actual) == set(expected), service
        for name, value in expected.items():
            if "{" not in value:  # a literal, not a per-run value such as {database_url}
                assert str(actual[name]) == value, (service, name)


def test_migrate_runs_the_setup_commands_in_order_with_the_dev_admin(topology, services) -> None:
    admin = {
        "admin_email": f"${{SHOP_ADMIN_EMAIL:-{topology.admin_email}}}",
        "admin_password": f"${{SHOP_ADMIN_PASSWORD:-{topology.admin_dev_password}}}",
    }
    shell, flag, script = services["migrate"]["command"]

    assert (shell, flag) == ("sh", "-c")
    assert [shlex.split(part) for part in script.split(" && ")] == [
        render_argv(setup.command, admin) for setup in topology.setup
    ]


def test_processes_wait_for_a_healthy_database_and_a_finished_migration(topology, services) -> None:
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for process in topology.processes:
        assert services[process.name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_the_monolith_image_is_built_from_the_repository_root(topology, services) -> None:
    for name in ["migrate", *(process.name for process in topology.processes)]:
        build = services[name]["build"]
        assert build["context"] == "."
        assert (REPO_ROOT / build["dockerfile"]).is_file()


def test_the_images_default_command_is_the_entry_process(topology) -> None:
    dockerfile = (REPO_ROOT / "monolith" / "Dockerfile").read_text().replace("\\\n", " ")
    [cmd] = [line[len("CMD ") :] for line in dockerfile.splitlines() if line.startswith("CMD ")]
    web = topology.process(topology.entry)

    assert json.loads(cmd) == in_container(render_argv(web.command, {"port": CONTAINER_PORT}))
