"""`shop-topology env` and `shop-topology up` as a user runs them."""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shop_topology.__main__ import main
from shop_topology.ports import free_port, is_free


def test_env_prints_the_step_and_its_processes_as_shell_variables(capsys) -> None:
    assert main(["env"]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "SHOP_STEP=step-3-extract-catalog",
        "SHOP_ENTRY=strangler-proxy",
        "SHOP_PROCESSES='monolith-web monolith-worker monolith-relay monolith-catalog-replica"
        " catalog-http catalog-events catalog-relay strangler-proxy'",
    ]


def test_a_broken_topology_file_is_reported_without_a_traceback(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "topology.toml"
    broken.write_text("[step]\n")

    assert main(["--file", str(broken), "env"]) == 1
    assert capsys.readouterr().err.startswith(f"shop-topology: {broken}: KeyError")


@pytest.mark.slow
def test_up_prints_the_urls_and_credentials_and_stops_on_sigterm(fake, tmp_path: Path) -> None:
    path, port, out = fake.write(fake.http_server(), fake.sleeper()), free_port(), tmp_path / "out"
    command = [sys.executable, "-m", "shop_topology", "--file", str(path), "up"]
    with out.open("wb") as output:
        up = subprocess.Popen(
            [*command, "--port", str(port), "--workdir", str(tmp_path / "run")],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "Press Ctrl-C" not in out.read_text() and time.monotonic() < deadline:
            assert up.poll() is None, out.read_text()
            time.sleep(0.1)
        printed = out.read_text()
        assert httpx.get(f"http://127.0.0.1:{port}/", trust_env=False).status_code == 200
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(20)

    assert code == 0
    for line in [
        f"storefront  http://127.0.0.1:{port}/",
        f"API         http://127.0.0.1:{port}/api/v1/",
        f"OpenAPI     http://127.0.0.1:{port}/api/v1/openapi.json",
        "admin       admin@shop.example / admin-password-dev",
    ]:
        assert line in printed
    assert "stopped" in out.read_text()
    assert is_free(port)
    assert not fake.pid_alive(fake.pid_of("worker"))


@pytest.mark.slow
def test_a_second_ctrl_c_does_not_cut_the_cleanup_short(fake, tmp_path: Path) -> None:
    path, out = fake.write(fake.http_server(), fake.slow_stopper()), tmp_path / "out"
    with out.open("wb") as output:
        up = subprocess.Popen(
            [sys.executable, "-m", "shop_topology", "--file", str(path), "up"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while "Press Ctrl-C" not in out.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    worker = fake.pid_of("worker")

    up.send_signal(signal.SIGINT)
    time.sleep(0.3)  # the worker is now taking its second to stop
    up.send_signal(signal.SIGINT)

    assert up.wait(20) == 0, out.read_text()
    assert not fake.pid_alive(worker)


@pytest.mark.slow
def test_up_prints_every_processs_own_url_the_entry_first(fake, tmp_path: Path) -> None:
    path = fake.write(fake.front(), fake.slow_http_server(), fake.sleeper(), entry="front")
    port, out = free_port(), tmp_path / "out"
    command = [sys.executable, "-m", "shop_topology", "--file", str(path), "up"]
    with out.open("wb") as output:
        up = subprocess.Popen(
            [*command, "--port", str(port), "--workdir", str(tmp_path / "run")],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "Press Ctrl-C" not in out.read_text() and time.monotonic() < deadline:
            assert up.poll() is None, out.read_text()
            time.sleep(0.1)
        printed = out.read_text()
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(20)

    rows = [" ".join(line.split()) for line in printed.splitlines()]  # spacing aside
    start = rows.index(f"processes front http://127.0.0.1:{port}/ (the shop)")
    front_admin, back, worker, last = rows[start + 1 : start + 5]
    assert re.fullmatch(r"front\.admin http://127\.0\.0\.1:\d+/", front_admin)
    assert re.fullmatch(r"back http://127\.0\.0\.1:\d+/ \(direct\)", back)
    assert (worker, last) == ("worker (no port)", "Press Ctrl-C to stop.")
