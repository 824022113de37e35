"""docker-compose.yml runs what topology/topology.toml runs: same processes, commands, checks."""

import json
import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shop_topology import Topology, TopologyError, load_topology
from shop_topology.render import render, render_argv
from shop_topology.spec import Command

REPO_ROOT = Path(__file__).resolve().parents[2]
# Where each process listens in its container: its main port ("") and its named ports.
CONTAINER_PORTS = {
    "monolith-web": {"": 8000},
    "monolith-relay": {"": 9464},
    "catalog-http": {"": 8100},
    "catalog-events": {"": 8101},
    "catalog-relay": {"": 9464},
    "strangler-proxy": {"": 8080, "admin": 8081},
}
# The roles compose/postgres-roles.sql makes once: each the role of the same name in the
# topology (a `-` in its name is a `_`), its password its name.
DATABASE = "postgres:5432/shop"
# Where the cut-over puts the proxy's routing table: the shop-run volume ({workdir}).
WORKDIR = "/run/shop"
# The one-shot services that run the topology's [[setup]] commands, each in its own image,
# and which commands each runs (together, in the topology's order).
SETUP_SERVICES = {
    "migrate": ("migrate", "create-admin", "declare-replica-queue"),
    "catalog-setup": (
        "catalog-migrate",
        "catalog-grant",
        "declare-queues",
        "catalog-backfill",
        "catalog-writes",
    ),
}
LAST_SETUP = "catalog-setup"
HTTP_PROBE = (
    "import sys, urllib.request; "
    "sys.exit(urllib.request.urlopen('http://127.0.0.1:{port}{path}').status != {status})"
)
# Infrastructure the topology runner provides itself (a database, a broker), and its setup.
SUPPORT_SERVICES = {"postgres", "rabbitmq", *SETUP_SERVICES}
# What `{broker_url}` is in compose: the rabbitmq service's vhost (x-broker-url there).
BROKER_URL = "amqp://shop:shop@rabbitmq:5672/shop"
HEALTHY = {"condition": "service_healthy"}
# Each image's default command (CMD) is the command of this process.
IMAGE_DEFAULTS = {
    "monolith/Dockerfile": "monolith-web",
    "extracted/catalog/Dockerfile": "catalog-http",
    "outbox-relay/Dockerfile": "monolith-relay",
    "strangler-proxy/Dockerfile": "strangler-proxy",
}
PUBLISHED_SHOP_PORT = "${SHOP_PORT:-8000}"


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


def container_values(process: str) -> dict[str, object]:
    """The placeholders Compose fills the same for every run: fixed container ports, other
    processes reached by service name (`{url:monolith-web}` is http://monolith-web:8000), and
    the broker's URL."""
    values: dict[str, object] = {"broker_url": BROKER_URL, "workdir": WORKDIR}
    for role in load_topology().database.roles:
        user = role.name.replace("-", "_")
        values[f"database_url:{role.name}"] = f"postgresql+psycopg://{user}:{user}@{DATABASE}"
        values[f"database_role:{role.name}"] = user
    for name, ports in CONTAINER_PORTS.items():
        for port_name, number in ports.items():
            suffix = f".{port_name}" if port_name else ""
            values[f"port:{name}{suffix}"] = number
            values[f"url:{name}{suffix}"] = f"http://{name}:{number}"
            if name == process:
                values[f"port{suffix}"] = number
                values[f"url{suffix}"] = f"http://127.0.0.1:{number}"
    return values


def in_container(argv: list[str]) -> list[str]:
    """The command as a container runs it: bound on every interface, not the loopback one."""
    return [re.sub(r"^127\.0\.0\.1(?=:|$)", "0.0.0.0", arg) for arg in argv]  # noqa: S104


def container_command(command: Command) -> list[str]:
    return in_container(render_argv(command.command, container_values(command.name)))


def env_of(topology: Topology, command: Command) -> dict[str, str]:
    return (topology.env if command.shared_env else {}) | command.env


def uses_database(topology: Topology, process: Command) -> bool:
    """Given the database: through the shared [env], or by naming {database_url...} itself."""
    return process.shared_env or any("{database_url" in text for text in process.texts)


def setup_service(command: Command) -> str:
    [service] = [name for name, names in SETUP_SERVICES.items() if command.name in names]
    return service


def expected_depends_on(topology: Topology, process: Command) -> dict[str, dict[str, str]]:
    """Those given the database wait for it and the whole setup, those given {broker_url}
    for the broker, those reading what the setup put in {workdir} for the setup too, and
    each for the processes it names (the proxy for the monolith and the catalog service)."""
    expected = dict.fromkeys(process.depends_on, HEALTHY)
    done = {"condition": "service_completed_successfully"}
    if uses_database(topology, process):
        expected |= {"postgres": HEALTHY, LAST_SETUP: done}
    if any("{workdir}" in text for text in process.texts):
        expected[LAST_SETUP] = done
    if topology.gets_broker_url(process):
        expected["rabbitmq"] = HEALTHY
    return expected


def test_every_process_with_ports_has_its_container_ports(topology) -> None:
    for process in topology.processes:
        expected = ({""} if process.needs_port else set()) | set(process.ports)
        assert set(CONTAINER_PORTS.get(process.name, {})) == expected, process.name


def test_compose_runs_the_topologys_processes_and_nothing_else(topology, services) -> None:
    assert set(services) == SUPPORT_SERVICES | {process.name for process in topology.processes}


def test_each_process_runs_the_same_command(topology, services) -> None:
    for process in topology.processes:
        assert services[process.name]["command"] == container_command(process), process.name


def test_each_process_has_an_equivalent_health_check(topology, services) -> None:
    for process in topology.processes:
        check, compose = process.health, services[process.name].get("healthcheck")
        if check is None:
            assert compose is None, process.name
            continue
        if check.http is not None:
            port = CONTAINER_PORTS[process.name][check.port or ""]
            probe = HTTP_PROBE.format(port=port, path=check.http, status=check.status)
            expected = ["CMD", "python", "-c", probe]
        else:
            expected = ["CMD", *render_argv(check.command, container_values(process.name))]
        assert compose["test"] == expected, process.name
        assert seconds(compose["interval"]) == check.interval, process.name
        assert seconds(compose["timeout"]) == check.timeout, process.name
        assert compose["retries"] == check.retries, process.name


def test_each_process_gets_the_same_environment(topology, services) -> None:
    """A process's own; a setup service's, every variable of the commands it runs."""
    wanted: dict[str, dict[str, str]] = {}
    for command in [*topology.processes, *topology.setup]:
        service = command.name if command in topology.processes else setup_service(command)
        wanted.setdefault(service, {}).update(env_of(topology, command))
    for service, expected in wanted.items():
        actual = services[service]["environment"]
        assert set(actual) == set(expected), service
        for name, value in expected.items():
            try:
                literal = render(value, container_values(service))
            except TopologyError:
                continue  # a per-run value such as {secret_key}
            assert str(actual[name]) == literal, (service, name)


def test_the_proxy_reaches_the_upstreams_by_their_service_names(topology, services) -> None:
    assert services["strangler-proxy"]["environment"] == {
        "MONOLITH_URL": "http://monolith-web:8000",
        "CATALOG_URL": "http://catalog-http:8100",
        "STRANGLER_LOG_FORMAT": "json",
        "STRANGLER_ADMIN_TOKEN": f"${{STRANGLER_ADMIN_TOKEN:-{topology.admin_dev_token}}}",
    }


def test_the_setup_services_run_the_setup_commands_in_order_with_the_dev_admin(
    topology, services
) -> None:
    values = {
        **container_values("setup"),
        "admin_email": f"${{SHOP_ADMIN_EMAIL:-{topology.admin_email}}}",
        "admin_password": f"${{SHOP_ADMIN_PASSWORD:-{topology.admin_dev_password}}}",
    }
    by_name = {setup.name: setup for setup in topology.setup}
    for service, names in SETUP_SERVICES.items():
        shell, flag, script = services[service]["command"]
        assert (shell, flag) == ("sh", "-c")
        assert [shlex.split(part) for part in script.split(" && ")] == [
            render_argv(by_name[name].command, values) for name in names
        ], service
    # Together, every setup command once, in the topology's order.
    assert [name for names in SETUP_SERVICES.values() for name in names] == list(by_name)


def test_processes_wait_for_what_they_need_healthy(topology, services) -> None:
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["migrate"]["depends_on"] == {"postgres": HEALTHY, "rabbitmq": HEALTHY}
    assert services["catalog-setup"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    for process in topology.processes:
        expected = expected_depends_on(topology, process)
        assert services[process.name]["depends_on"] == expected, process.name
    assert services["strangler-proxy"]["depends_on"] == {
        "monolith-web": HEALTHY,
        "catalog-http": HEALTHY,
        LAST_SETUP: {"condition": "service_completed_successfully"},
    }


def test_a_process_given_the_broker_url_waits_for_the_healthy_broker(topology) -> None:
    plain = Command("relay", ("relay",), shared_env=False)
    given = replace(plain, env={"BROKER_URL": "{broker_url}"})

    assert expected_depends_on(topology, plain) == {}
    assert expected_depends_on(topology, given) == {"rabbitmq": HEALTHY}


def test_a_process_given_the_database_url_waits_for_the_database_and_migration(topology) -> None:
    given = Command("relay", ("relay",), shared_env=False, env={"DB": "{database_url:catalog}"})

    assert expected_depends_on(topology, given) == {
        "postgres": HEALTHY,
        LAST_SETUP: {"condition": "service_completed_successfully"},
    }


def test_the_broker_service_serves_the_url_processes_get(services) -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    rabbitmq, url = services["rabbitmq"], urlsplit(BROKER_URL)

    assert compose["x-broker-url"] == BROKER_URL
    assert render("{broker_url}", container_values("relay")) == BROKER_URL
    assert rabbitmq["image"].startswith("rabbitmq:3.")
    assert (url.hostname, url.port) == ("rabbitmq", 5672)
    assert rabbitmq["environment"] == {
        "RABBITMQ_DEFAULT_USER": url.username,
        "RABBITMQ_DEFAULT_PASS": url.password,
        "RABBITMQ_DEFAULT_VHOST": url.path.lstrip("/"),
    }
    assert rabbitmq["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
    assert "depends_on" not in rabbitmq


def test_only_the_entry_is_published_and_its_admin_port_on_loopback_only(
    topology, services
) -> None:
    for process in topology.processes:
        if process.name != topology.entry:
            assert "ports" not in services[process.name], process.name
    main, *others = services[topology.entry]["ports"]
    entry_ports = CONTAINER_PORTS[topology.entry]
    assert main == f"{PUBLISHED_SHOP_PORT}:{entry_ports['']}"
    assert [port.split(":")[-1] for port in others] == [
        str(entry_ports[name]) for name in topology.process(topology.entry).ports
    ]
    assert all(port.startswith("127.0.0.1:") for port in others)


def test_each_image_is_built_from_the_repository_root(topology, services) -> None:
    for name in [*SETUP_SERVICES, *(process.name for process in topology.processes)]:
        build = services[name]["build"]
        assert build["context"] == "."
        assert (REPO_ROOT / build["dockerfile"]).is_file()
        assert build["dockerfile"] in IMAGE_DEFAULTS, name


def test_each_images_default_command_is_its_main_process(topology) -> None:
    for dockerfile, process in IMAGE_DEFAULTS.items():
        text = (REPO_ROOT / dockerfile).read_text().replace("\\\n", " ")
        [cmd] = [line[len("CMD ") :] for line in text.splitlines() if line.startswith("CMD ")]

        assert json.loads(cmd) == container_command(topology.process(process)), dockerfile
