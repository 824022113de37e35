"""The real `strangler-proxy serve` process, with tiny threaded upstreams, for end-to-end tests."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from proxy_harness import free_port, free_ports


class NamedHandler(BaseHTTPRequestHandler):
    """Answers its server's name; /slow takes a second."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1.0)
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def upstream(name: str) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), NamedHandler)
    server.name = name  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class ProxyProcess:
    process: subprocess.Popen[bytes]
    port: int
    admin_port: int
    routes: Path
    audit: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)


TOKEN = "test-admin-token-0123456789"


@contextmanager
def proxy_process(
    routes_text: str, tmp: Path, *, token: str | None = TOKEN
) -> Iterator[ProxyProcess]:
    routes, audit = tmp / "routes.toml", tmp / "audit.jsonl"
    routes.write_text(routes_text)
    port, admin_port = free_ports(2)
    env = {k: v for k, v in os.environ.items() if k != "STRANGLER_ADMIN_TOKEN"}
    if token is not None:
        env["STRANGLER_ADMIN_TOKEN"] = token
    command = [
        sys.executable,
        "-m",
        "strangler_proxy",
        "serve",
        "--routes",
        str(routes),
        "--port",
        str(port),
        "--admin-port",
        str(admin_port),
        "--audit-log",
        str(audit),
    ]
    log = (tmp / "proxy.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    running = ProxyProcess(process, port, admin_port, routes, audit)
    try:
        wait_ready(running, tmp / "proxy.log")
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)
        log.close()


def wait_ready(running: ProxyProcess, log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"proxy exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{running.admin}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("proxy did not become ready")
