"""The contract suite passes through nginx running `strangler-proxy export nginx` of step 1."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import shop_topology
from shop_topology.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# Each upstream of the routing tables, by its variable, and the process that serves it.
UPSTREAMS = {"MONOLITH_URL": "monolith-web", "CATALOG_URL": "catalog-http"}
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SUITE = ["uv", "run", "--no-sync", "pytest", "tests/contract", "-q", "-p", "no:cacheprovider"]
SUITE_TIMEOUT_S = 480  # about 150 s on an idle 2-core machine; room for a busy one
# What nginx cannot do as the strangler proxy does (the export's header lists these too).
HOSTILE = "tests/contract/test_hostile_clients.py"
NOT_IN_NGINX = {
    f"{HOSTILE}::test_a_request_target_past_the_limit_is_414": (
        "nginx answers an over-long request line with its own HTML 414: its error pages need"
        " the request line it refused"
    ),
}


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def routes_of(shop: shop_topology.RunningTopology) -> Path:
    """The routing table the step's proxy reads (the cut-over puts step 3's in the workdir)."""
    proxy = shop.topology.process("strangler-proxy")
    routes = proxy.command[proxy.command.index("--routes") + 1]
    return shop.topology.root / routes.replace("{workdir}", str(shop.workdir))


def upstreams_of(shop: shop_topology.RunningTopology) -> dict[str, str]:
    return {
        variable: shop.url(process)
        for variable, process in UPSTREAMS.items()
        if process in shop.processes
    }


@contextmanager
def nginx_in_front_of(routes: Path, upstreams: dict[str, str]) -> Iterator[str]:
    """nginx with the exported standalone config of the step's table; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="nginx-export-") as name:
        run = Path(name)
        run.chmod(0o755)  # nginx started by root runs its workers as another user
        port, conf, log = free_port(), run / "nginx.conf", run / "error.log"
        export = [sys.executable, "-m", "strangler_proxy", "export", "nginx", "--standalone"]
        options = ["--routes", str(routes), "--listen", f"127.0.0.1:{port}", "-o", str(conf)]
        env = os.environ | upstreams
        subprocess.run([*export, *options, "--runtime-dir", str(run)], env=env, check=True)
        nginx = subprocess.Popen([NGINX, "-c", str(conf), "-e", str(log), "-g", "daemon off;"])
        try:
            deadline = time.monotonic() + 10
            while not listening(port):
                assert nginx.poll() is None, log.read_text() if log.exists() else "nginx exited"
                assert time.monotonic() < deadline, f"nginx did not listen on {port}"
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            nginx.terminate()
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(5)


def run_contract_suite(base_url: str, email: str, password: str) -> tuple[int, str]:
    """The suite in its own process group, so a timeout stops pytest and not only `uv`."""
    env = os.environ | {
        "SHOP_BASE_URL": base_url,
        "SHOP_ADMIN_EMAIL": email,
        "SHOP_ADMIN_PASSWORD": password,
    }
    suite = subprocess.Popen(
        [*SUITE, "-m", "not browser", *(f"--deselect={test}" for test in NOT_IN_NGINX)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = suite.communicate(timeout=SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(suite.pid, signal.SIGKILL)
        output, _ = suite.communicate()
        return -1, output + f"\n(stopped after {SUITE_TIMEOUT_S} s)"
    return suite.returncode, output


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(SUITE_TIMEOUT_S + 120)  # the topology's start and stop come on top
def test_the_contract_suite_passes_through_the_nginx_export() -> None:
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail(f"nginx is not installed ({NGINX}); CI must have it")
        pytest.skip("nginx is not installed")

    with (
        shop_topology.start(database="postgres") as shop,
        nginx_in_front_of(routes_of(shop), upstreams_of(shop)) as url,  # in the proxy's place
    ):
        code, output = run_contract_suite(url, shop.admin_email, shop.admin_password)

    tail = "\n".join(output.splitlines()[-40:])
    assert code == 0, f"the contract suite failed through nginx:\n{tail}"
