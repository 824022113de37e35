"""Starting and stopping real (tiny) processes described by a temporary topology file."""

import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

import shop_topology.runner
from shop_topology import TopologyError, start
from shop_topology.ports import free_port, is_free
from shop_topology.process import RunningProcess
from shop_topology.signals import uninterruptible

RECORD_DATABASE_URL = (
    "import os, pathlib; pathlib.Path('setup.txt').write_text(os.environ['DATABASE_URL'])"
)


def test_start_runs_setup_then_serves_the_entry_and_stop_ends_all(fake, tmp_path: Path) -> None:
    record = fake.setup_step("record", RECORD_DATABASE_URL)
    path = fake.write(record, fake.http_server(), fake.sleeper())

    with start(topology_file=path, workdir=tmp_path / "run") as running:
        response = httpx.get(running.base_url + "/", trust_env=False)
        worker_pid = fake.pid_of("worker")
        web = running.processes["web"]

        assert response.status_code == 200
        assert running.database_url == f"sqlite:///{tmp_path / 'run' / 'shop.db'}"
        assert (tmp_path / "setup.txt").read_text() == running.database_url
        assert fake.pid_alive(web.pid) and fake.pid_alive(worker_pid)
        assert running.admin_email == "admin@shop.example"
        assert running.admin_password == "admin-password-dev"
        assert running.admin_token == "admin-token-dev"

    assert not fake.pid_alive(web.pid)
    assert not fake.pid_alive(worker_pid)
    assert web.port is not None and is_free(web.port)
    assert "GET / HTTP/1.1" in (tmp_path / "run" / "logs" / "web.log").read_text()


def test_processes_get_the_topology_env_with_a_new_secret_each_run(fake, tmp_path: Path) -> None:
    path = fake.write(fake.http_server(), fake.sleeper())
    secrets = []
    for _ in range(2):
        with start(topology_file=path, workdir=tmp_path / "run") as running:
            env = json.loads((tmp_path / "worker.env.json").read_text())
            assert env["DATABASE_URL"] == running.database_url
            assert env["SHOP_LOG_FORMAT"] == "json"
            secrets.append(env["SHOP_SECRET_KEY"])

    assert len(secrets[0]) >= 32 and secrets[0] != secrets[1]


def test_the_entry_port_can_be_chosen(fake, tmp_path: Path) -> None:
    port = free_port()

    with start(topology_file=fake.write(fake.http_server()), entry_port=port) as running:
        assert running.base_url == f"http://127.0.0.1:{port}"


def test_a_process_that_exits_at_once_is_named_with_its_log_and_the_rest_is_stopped(fake) -> None:
    path = fake.write(fake.sleeper(), fake.crasher("crashy"), entry="crashy")

    with pytest.raises(TopologyError) as raised:
        start(topology_file=path, workdir=fake.directory / "run")

    message = str(raised.value)
    assert "process crashy exited with code 3 before it became healthy" in message
    assert "boom: no config found" in message
    assert not fake.pid_alive(fake.pid_of("worker"))


def test_a_process_that_never_passes_its_check_is_named(fake) -> None:
    path = fake.write(fake.http_server("web", path="/missing", retries=3))

    with pytest.raises(TopologyError) as raised:
        start(topology_file=path, workdir=fake.directory / "run")

    assert "process web did not become healthy after 3 checks" in str(raised.value)
    assert "/missing -> 404" in str(raised.value)


def test_a_failing_setup_step_is_named_and_no_process_starts(fake) -> None:
    failing = fake.setup_step("migrate", "import sys; sys.exit('no such table: orders')")
    path = fake.write(failing, fake.sleeper(), fake.http_server())

    with pytest.raises(TopologyError) as raised:
        start(topology_file=path, workdir=fake.directory / "run")

    assert "setup step migrate exited with code 1" in str(raised.value)
    assert "no such table: orders" in str(raised.value)
    assert not (fake.directory / "worker.pid").exists()


def test_an_interrupt_while_waiting_still_stops_what_started(fake, monkeypatch) -> None:
    started: list[RunningProcess] = []

    def interrupted(process: RunningProcess, *args: object, **kwargs: object) -> None:
        started.append(process)
        raise KeyboardInterrupt

    path = fake.write(fake.sleeper(), fake.http_server())
    monkeypatch.setattr(shop_topology.runner, "wait_healthy", interrupted)

    with pytest.raises(KeyboardInterrupt):
        start(topology_file=path, workdir=fake.directory / "run")

    assert [process.name for process in started] == ["worker"]
    assert started[0].exit_code is not None
    assert not fake.pid_alive(started[0].pid)


def test_stop_kills_a_process_that_ignores_sigterm_and_its_children(fake, tmp_path: Path) -> None:
    stubborn = (
        "import pathlib, signal, subprocess, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        "pathlib.Path('child.pid').write_text(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    process = RunningProcess.spawn(
        "stubborn",
        [sys.executable, "-c", stubborn],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        log_path=tmp_path / "stubborn.log",
    )
    child_pid_file = tmp_path / "child.pid"
    deadline = time.monotonic() + 10
    while not child_pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    code = process.stop(timeout=0.5)

    assert code == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while fake.pid_alive(int(child_pid_file.read_text())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not fake.pid_alive(int(child_pid_file.read_text()))


def test_a_missing_executable_is_named(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="ghost: cannot start 'no-such-program-here'"):
        RunningProcess.spawn(
            "ghost", ["no-such-program-here"], env={}, cwd=tmp_path, log_path=tmp_path / "g.log"
        )


def test_signals_are_ignored_while_cleaning_up_and_restored_after() -> None:
    before = signal.getsignal(signal.SIGINT)

    with uninterruptible():
        os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt outside the block
        time.sleep(0.05)

    assert signal.getsignal(signal.SIGINT) is before


def test_a_process_naming_another_gets_its_url_and_starts_once_it_is_healthy(
    fake, tmp_path: Path
) -> None:
    path = fake.write(fake.front(), fake.slow_http_server(), fake.sleeper(), entry="front")

    with start(topology_file=path, workdir=tmp_path / "run") as running:
        front, back = running.processes["front"], running.processes["back"]
        record = json.loads((tmp_path / "front.json").read_text())
        admin = httpx.get(running.url("front", "admin") + "/front.json", trust_env=False)

        assert list(running.processes) == ["back", "worker", "front"]  # the start order
        assert record["back_answered"] == 200  # back was healthy before front started
        assert record["env"]["BACK_URL"] == running.url("back") == f"http://127.0.0.1:{back.port}"
        assert record["env"]["BACK_PORT"] == str(back.port)
        assert record["env"]["OWN_ADMIN"] == running.url("front", "admin")
        assert record["argv"] == [str(front.port), str(front.ports["admin"])]
        assert "SHOP_SECRET_KEY" not in record["env"]  # shared_env = false: no [env] table
        assert running.base_url == running.url("front")
        assert admin.status_code == 200
        ports = [back.port, front.port, front.ports["admin"]]
        assert len(set(ports)) == 3

    assert all(is_free(port) for port in ports if port is not None)


def test_the_entry_port_is_the_entrys_main_port_not_a_named_one(fake, tmp_path: Path) -> None:
    port = free_port()
    path = fake.write(fake.front(), fake.slow_http_server(), entry="front")

    with start(topology_file=path, workdir=tmp_path / "run", entry_port=port) as running:
        assert running.base_url == f"http://127.0.0.1:{port}"
        assert running.processes["front"].ports["admin"] != port


def test_processes_stop_in_reverse_start_order_the_one_in_front_first(
    fake, tmp_path: Path, monkeypatch
) -> None:
    stopped: list[str] = []
    original = RunningProcess.stop

    def recording_stop(process: RunningProcess, timeout: float = 10.0) -> int:
        stopped.append(process.name)
        return original(process, timeout)

    monkeypatch.setattr(RunningProcess, "stop", recording_stop)
    path = fake.write(fake.front(), fake.slow_http_server(), entry="front")

    with start(topology_file=path, workdir=tmp_path / "run"):
        pass

    assert stopped == ["front", "back"]


def test_a_missing_named_port_of_a_running_process_is_named(fake, tmp_path: Path) -> None:
    with start(topology_file=fake.write(fake.http_server()), workdir=tmp_path / "run") as running:
        with pytest.raises(TopologyError, match="process web has no port named 'admin'"):
            running.url("web", "admin")
        with pytest.raises(TopologyError, match="no running process named 'nope'"):
            running.url("nope")
