"""Where no broker answers at the configured URL, the run starts a private RabbitMQ node of its
own (installing the package when it may), and stops and removes it with the rest."""

import json
import os
import stat
from pathlib import Path

import pytest

import shop_topology.broker
import shop_topology.broker.install
from shop_topology import TopologyError, start
from shop_topology.__main__ import _announce as announce
from shop_topology.broker import BROKER_URL_VARIABLE, PrivateBroker, provide_broker
from shop_topology.broker.amqp import BrokerUrl
from shop_topology.ports import free_port, is_free
from shop_topology.spec import BrokerSpec


@pytest.fixture
def closed_url(monkeypatch) -> str:
    """The configured broker: a port where nothing listens."""
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    monkeypatch.setenv(BROKER_URL_VARIABLE, url)
    return url


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_a_private_node_serves_the_run_and_goes_with_it(
    fake, tmp_path: Path, closed_url, capsys
) -> None:
    path = fake.write(fake.http_server(), fake.broker_user())

    with start(topology_file=path, workdir=tmp_path / "run") as running:
        announce(running)
        node, broker = running.processes["rabbitmq"], running.broker
        record = json.loads((tmp_path / "user.json").read_text())
        assert isinstance(broker, PrivateBroker)
        url = BrokerUrl.parse(running.broker_url or "")
        assert list(running.processes) == ["rabbitmq", "web", "user"]  # the node first
        assert (url.host, url.port, url.vhost) == ("127.0.0.1", node.port, "shop_dev")
        assert record["argv"] == [running.broker_url] and record["env"] == running.broker_url
        assert record["opened"] == "opened"  # when it started, the node was up
        assert broker.directory.parent == tmp_path / "run" / "rabbitmq"
        assert (broker.directory / "rabbitmq.conf").is_file()
        cookie = (broker.directory / ".erlang.cookie").stat()
        assert stat.S_IMODE(cookie.st_mode) == 0o400

    printed = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert f"broker {running.broker_url} ({broker.description})" in printed
    assert f"rabbitmq amqp://127.0.0.1:{url.port}" in printed  # among the processes
    assert group_gone(node.pid)  # the script, the Erlang VM and what it started
    assert is_free(url.port)
    assert not broker.directory.exists()
    log = (tmp_path / "run" / "logs" / "rabbitmq.log").read_text()
    assert "Server startup complete" in log and "Stopping message store" in log


def test_without_rabbitmq_server_and_no_way_to_install_it_the_message_says_what_to_do(
    tmp_path: Path, closed_url, monkeypatch
) -> None:
    monkeypatch.setattr(shop_topology.broker, "find_server", lambda: None)
    monkeypatch.setattr(shop_topology.broker.install, "root_prefix", lambda: None)

    with pytest.raises(TopologyError) as raised:
        provide_broker(BrokerSpec(), dev=False, workdir=tmp_path)

    port = BrokerUrl.parse(closed_url).port
    assert str(raised.value) == (
        f"no RabbitMQ answers at 127.0.0.1:{port}, and rabbitmq-server is not installed."
        " Install it (`sudo apt-get install -y rabbitmq-server` on Debian or Ubuntu), or set"
        f" {BROKER_URL_VARIABLE} to a reachable broker"
    )


def test_as_root_or_with_sudo_the_package_is_installed_and_its_script_used(
    tmp_path: Path, closed_url, monkeypatch
) -> None:
    installed: list[list[str]] = []
    script = tmp_path / "rabbitmq-server"

    def run_logged(argv: list[str], log_path: Path, **options: object) -> int:
        installed.append(argv)
        script.touch()
        return 0

    monkeypatch.setattr(shop_topology.broker, "find_server", lambda: None)
    monkeypatch.setattr(shop_topology.broker.install, "root_prefix", lambda: ["sudo", "-n"])
    monkeypatch.setattr(shop_topology.broker.install, "find_program", lambda name: name)
    monkeypatch.setattr(shop_topology.broker.install, "find_server", lambda: script)
    monkeypatch.setattr(shop_topology.broker.install, "run_logged", run_logged)

    broker = provide_broker(BrokerSpec(), dev=False, workdir=tmp_path)

    assert installed == [
        [
            *("sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "sh", "-c"),
            "apt-get update -q && apt-get install -y rabbitmq-server -q",
        ]
    ]
    assert isinstance(broker, PrivateBroker) and broker.server == script
    broker.drop()
