from dataclasses import replace
from pathlib import Path

import pytest

from shop_topology import TopologyError, load_topology
from shop_topology.spec import DEFAULT_FILE, Command, HealthCheck, PortReference

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_default_file_is_the_repositorys_topology_toml() -> None:
    assert DEFAULT_FILE == REPO_ROOT / "topology" / "topology.toml"


def test_step_3_is_the_proxy_in_front_of_the_monolith_and_the_catalog_service() -> None:
    topology = load_topology()

    assert topology.step == "step-3-extract-catalog"
    assert topology.entry == "strangler-proxy"
    assert topology.root == REPO_ROOT
    assert topology.database.kind == "postgres"
    assert [process.name for process in topology.processes] == [
        "monolith-web",
        "monolith-worker",
        "monolith-relay",
        "monolith-catalog-replica",
        "catalog-http",
        "catalog-events",
        "catalog-relay",
        "strangler-proxy",
    ]
    assert [setup.name for setup in topology.setup] == [
        "migrate",
        "create-admin",
        "declare-replica-queue",
        "catalog-migrate",
        "catalog-grant",
        "declare-queues",
        "catalog-backfill",
        "catalog-writes",
    ]
    assert topology.setup[0].command[:3] == ("alembic", "-c", "migrations/alembic.ini")
    assert set(topology.env) == {
        "DATABASE_URL",
        "SHOP_SECRET_KEY",
        "SHOP_LOG_FORMAT",
        "SHOP_PAYMENT_SETTLE_AFTER_SECONDS",
        "SHOP_TOKEN_TTL_SECONDS",
    }
    # The monolith connects as its own role; the service's processes as theirs.
    assert topology.env["DATABASE_URL"] == "{database_url:monolith}"
    assert [(role.name, role.create) for role in topology.database.roles] == [
        ("monolith", True),
        ("catalog-migrator", True),
        ("catalog", False),
    ]
    # Behind the proxy, the web process takes the client's address from X-Forwarded-For, and
    # reads through to the catalog service for a product its replica lacks.
    assert topology.process("monolith-web").env == {
        "SHOP_FORWARDED_HOPS": "1",
        "SHOP_CATALOG_SERVICE_URL": "{url:catalog-http}",
    }


def test_web_is_checked_over_http_and_the_worker_by_a_command() -> None:
    topology = load_topology()
    web, worker = topology.process("monolith-web"), topology.process("monolith-worker")

    assert web.needs_port and not worker.needs_port
    assert web.health is not None and (web.health.http, web.health.status) == ("/readyz", 200)
    assert worker.health is not None and worker.health.http is None
    assert worker.health.command == ("shop-monolith", "check-db")


def test_the_proxy_routes_by_the_table_the_cut_over_put_in_place() -> None:
    topology = load_topology()
    proxy = topology.process("strangler-proxy")
    writes = topology.setup[-1]

    assert proxy.command[:4] == (
        "strangler-proxy",
        "serve",
        "--routes",
        "{workdir}/proxy-routes.toml",
    )
    assert writes.command[:3] == ("catalog-service", "cutover", "writes")
    assert writes.command[-2:] == ("--routes-file", "{workdir}/proxy-routes.toml")
    assert (REPO_ROOT / "strangler-proxy" / "routes" / "step-3.toml").is_file()
    assert proxy.command[-4:] == ("--port", "{port}", "--admin-port", "{port.admin}")
    assert proxy.ports == ("admin",)
    assert proxy.env == {
        "MONOLITH_URL": "{url:monolith-web}",
        "CATALOG_URL": "{url:catalog-http}",
        "STRANGLER_LOG_FORMAT": "json",
        "STRANGLER_ADMIN_TOKEN": "{admin_token}",  # the admin API is on, with the run's token
    }
    assert not proxy.shared_env  # neither the database URL nor the secret key
    assert proxy.health is not None
    assert (proxy.health.http, proxy.health.port, proxy.health.status) == ("/readyz", "admin", 200)
    assert proxy.depends_on == ("monolith-web", "catalog-http")


def test_each_relay_publishes_its_own_schemas_outbox_as_its_own_role() -> None:
    topology = load_topology()
    for name, url, schema in [
        ("monolith-relay", "{database_url:monolith}", "monolith"),
        ("catalog-relay", "{database_url:catalog}", "catalog_service"),
    ]:
        relay = topology.process(name)
        assert relay.command[:2] == ("outbox-relay", "run")
        assert relay.env == {
            "OUTBOX_RELAY_DATABASE_URL": url,
            "OUTBOX_RELAY_SCHEMA": schema,
            "OUTBOX_RELAY_BROKER_URL": "{broker_url}",
        }
        assert not relay.shared_env  # no secret key
        assert topology.gets_broker_url(relay)
        assert relay.health is not None and relay.health.http == "/readyz"


def test_the_catalog_services_processes_have_no_monolith_database_url() -> None:
    topology = load_topology()
    for name in ("catalog-http", "catalog-events", "catalog-relay"):
        process = topology.process(name)
        assert not process.shared_env, name
        assert "{database_url:monolith}" not in process.texts, name
        assert "{database_url}" not in process.texts, name


def test_the_catalog_service_starts_healthy_before_the_monolith_web_and_the_proxy() -> None:
    waves = load_topology().start_order()

    assert [[process.name for process in wave] for wave in waves] == [
        [
            "monolith-worker",
            "monolith-relay",
            "monolith-catalog-replica",
            "catalog-http",
            "catalog-events",
            "catalog-relay",
        ],
        ["monolith-web"],
        ["strangler-proxy"],
    ]


def test_port_references_are_parsed_from_command_env_and_health_command() -> None:
    command = Command(
        "front",
        ("serve", "{port}", "--admin", "{port.admin}", "--back={url:back.api}"),
        env={"A": "{port:db}", "B": "{{url:not-a-reference}}"},
        health=HealthCheck(command=("check", "{url:cache}")),
        ports=("admin",),
    )

    assert command.references == (
        PortReference("port", None, None),
        PortReference("port", None, "admin"),
        PortReference("url", "back", "api"),
        PortReference("port", "db", None),
        PortReference("url", "cache", None),
    )
    assert command.depends_on == ("back", "db", "cache")  # {{...}} is literal text


def test_processes_that_name_nothing_start_first_in_file_order() -> None:
    def process(name: str, *needs: str) -> Command:
        return Command(name, ("run", "{port}", *(f"{{url:{need}}}" for need in needs)))

    topology = replace(
        load_topology(),
        processes=(
            process("edge", "api", "auth"),
            process("api", "db"),
            process("db"),
            process("auth"),
            process("worker", "db"),
        ),
    )

    assert [[p.name for p in wave] for wave in topology.start_order()] == [
        ["db", "auth"],
        ["api", "worker"],
        ["edge"],
    ]


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


TWO = (
    MINIMAL
    + """
[[process]]
name = "back"
command = ["api", "{port}"]
ports = ["admin"]
env = { WEB = "{url:web}" }
"""
)
WEB = '["serve", "{port}"]'


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([(WEB, '["serve", "{port}", "{url:nope}"]')], "web: {url:nope} names no process"),
        (
            [(WEB, '["serve", "{port}", "{port:back.metrics}"]')],
            "web: {port:back.metrics}: back has no port 'metrics'",
        ),
        (
            [('{ WEB = "{url:web}" }', '{ WEB = "{url:web}", X = "{port:back}" }')],
            "back: {port:back} names itself; write {port}",
        ),
        (
            [(WEB, '["serve", "{port}", "{url.admin}"]')],
            "web: {url.admin}: web has no port 'admin'",
        ),
        (
            [
                ('["api", "{port}"]', '["api", "{port.admin}"]'),
                (WEB, '["serve", "{port}", "{url:back}"]'),
            ],
            "web: {url:back}: back has no {port} in its command",
        ),
        ([('ports = ["admin"]', 'ports = ["admin", "admin"]')], "duplicate port names"),
        ([('ports = ["admin"]', 'ports = ["Admin"]')], "port name 'Admin'"),
        ([('ports = ["admin"]', 'ports = "admin"')], "ports must be a list of names"),
        ([('ports = ["admin"]', 'ports = ["admin"]\nshared_env = "no"')], "shared_env must be"),
        ([('name = "back"', 'name = "Back_1"')], "process name 'Back_1'"),
        (
            [('ports = ["admin"]', 'ports = ["admin"]\nhealth = { http = "/", port = "web" }')],
            "back: health check port 'web' is not in its ports",
        ),
        (
            [
                (
                    'ports = ["admin"]',
                    'ports = ["admin"]\nhealth = { command = ["x"], port = "admin" }',
                )
            ],
            "'port' is for 'http' checks only",
        ),
        (
            [(WEB, '["serve", "{port}", "{url:back}"]')],
            "processes depend on each other in a cycle: web -> back, back -> web",
        ),
        (
            [("[[process]]", '[[setup]]\nname = "m"\ncommand = ["m", "{url:web}"]\n[[process]]')],
            "setup m: runs before any process has a port",
        ),
    ],
)
def test_port_references_and_named_ports_are_checked_when_the_file_is_read(
    tmp_path: Path, edits: list[tuple[str, str]], message: str
) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(TWO)
    assert load_topology(path).process("back").depends_on == ("web",)  # fine without the edits
    text = TWO
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text)

    with pytest.raises(TopologyError) as raised:
        load_topology(path)
    assert message in str(raised.value)
