"""{broker_url}: only a topology that names it gets a broker; on the shared one (127.0.0.1:5672),
each run gets a vhost of its own, deleted on stop, except the kept one of sqlite runs."""

import json
import secrets
from pathlib import Path

import pytest

import shop_topology.broker.shared
from shop_topology import TopologyError, load_topology, start
from shop_topology.__main__ import _announce as announce
from shop_topology.broker import BROKER_URL_VARIABLE, SharedBroker
from shop_topology.broker.amqp import BrokerUrl, check_connection
from shop_topology.ports import free_port

SHARED = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture(autouse=True)
def shared_broker(monkeypatch) -> None:
    """The broker on 127.0.0.1:5672, whatever the environment says."""
    monkeypatch.setenv(BROKER_URL_VARIABLE, SHARED)


@pytest.mark.parametrize(
    "where",
    [
        'command = ["run", "{broker_url}"]',
        'command = ["run"]\nenv = { B = "{broker_url}" }',
        'command = ["run"]\nhealth = { command = ["check", "{broker_url}"] }',
    ],
)
def test_broker_url_in_a_command_env_or_health_command_means_a_broker(fake, where: str) -> None:
    process = f'\n[[process]]\nname = "w"\n{where}\n'
    topology = load_topology(fake.write(fake.http_server(), process))

    assert topology.uses_broker
    assert [topology.gets_broker_url(p) for p in topology.processes] == [False, True]


def test_broker_url_in_the_env_table_reaches_only_processes_with_the_shared_env(fake) -> None:
    path = fake.write(fake.http_server(), fake.front(back="web"), entry="front")
    path.write_text(path.read_text().replace("[env]\n", '[env]\nB = "{broker_url}"\n'))
    topology = load_topology(path)

    assert topology.uses_broker
    assert [topology.gets_broker_url(p) for p in topology.processes] == [True, False]


def test_doubled_braces_are_literal_text_not_the_placeholder(fake) -> None:
    literal = '\n[[process]]\nname = "w"\ncommand = ["echo", "{{broker_url}}"]\n'

    assert not load_topology(fake.write(fake.http_server(), literal)).uses_broker


def test_a_topology_without_broker_url_starts_without_a_broker(fake, monkeypatch) -> None:
    monkeypatch.setenv(BROKER_URL_VARIABLE, f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    path = fake.write(fake.http_server(), fake.sleeper())

    with start(topology_file=path, workdir=fake.directory / "run") as running:
        assert running.broker is None and running.broker_url is None
        assert list(running.processes) == ["web", "worker"]
    assert not (fake.directory / "run" / "rabbitmq").exists()


@pytest.mark.postgres
def test_each_run_gets_a_vhost_of_its_own_deleted_on_stop(fake, tmp_path: Path) -> None:
    broker = fake.broker(vhost_prefix="shop_topotest_")
    path = fake.write(broker, fake.http_server(), fake.broker_user())

    with start("postgres", topology_file=path, workdir=tmp_path / "run") as running:
        record = json.loads((tmp_path / "user.json").read_text())
        url = BrokerUrl.parse(running.broker_url or "")
        assert (url.host, url.port) == ("127.0.0.1", 5672)
        assert url.vhost.startswith("shop_topotest_") and url.vhost in fake.vhosts()
        assert record["argv"] == [running.broker_url] and record["env"] == running.broker_url
        assert record["opened"] == "opened"  # at its start: the vhost and the rights were there
        assert "rabbitmq" not in running.processes  # no node of its own on a shared broker
        with start("postgres", topology_file=path, workdir=tmp_path / "other") as other:
            other_vhost = BrokerUrl.parse(other.broker_url or "").vhost
            assert other_vhost != url.vhost and other_vhost in fake.vhosts()
        assert other_vhost not in fake.vhosts()
        check_connection(url)  # the first run's is untouched

    assert url.vhost not in fake.vhosts()


def test_a_sqlite_run_keeps_its_dev_vhost_as_it_keeps_its_database(
    fake, tmp_path: Path, capsys
) -> None:
    dev_vhost = f"shop_topotest_dev_{secrets.token_hex(4)}"
    path = fake.write(fake.broker(dev_vhost=dev_vhost), fake.http_server(), fake.broker_user())
    try:
        for _ in range(2):  # the second finds it there
            with start(topology_file=path, workdir=tmp_path / "run") as running:
                assert running.broker_url == f"{SHARED}{dev_vhost}"
                assert isinstance(running.broker, SharedBroker) and running.broker.kept
                announce(running)
            assert dev_vhost in fake.vhosts()
    finally:
        fake.delete_vhost(dev_vhost)
    printed = capsys.readouterr().out
    assert f"  broker      {SHARED}{dev_vhost}  (vhost kept between runs)\n" in printed


def test_without_rabbitmqctl_the_shared_broker_cannot_be_used_and_the_message_says_why(
    fake, monkeypatch
) -> None:
    monkeypatch.setattr(shop_topology.broker.shared, "find_program", lambda name: None)
    path = fake.write(fake.http_server(), fake.broker_user())

    with pytest.raises(TopologyError) as raised:
        start(topology_file=path, workdir=fake.directory / "run")

    assert "RabbitMQ answers at 127.0.0.1:5672, but rabbitmqctl is not installed" in str(
        raised.value
    )
    assert BROKER_URL_VARIABLE in str(raised.value)
    assert not (fake.directory / "user.pid").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('server_url = "http://127.0.0.1:5672/"', "is not an amqp:// URL"),
        ('vhost_prefix = "shop t"', "broker vhost_prefix 'shop t' is not letters"),
        ('url = "amqp://x/"', "unexpected keyword argument 'url'"),
    ],
)
def test_a_broken_broker_table_is_an_error(fake, edit: str, message: str) -> None:
    path = fake.write(f"\n[broker]\n{edit}\n", fake.http_server(), fake.broker_user())

    with pytest.raises(TopologyError) as raised:
        load_topology(path)
    assert message in str(raised.value)


def test_the_private_nodes_process_name_is_reserved(fake) -> None:
    path = fake.write(fake.http_server(), fake.broker_user("rabbitmq"))

    with pytest.raises(TopologyError, match="process name 'rabbitmq' is the private broker"):
        load_topology(path)
