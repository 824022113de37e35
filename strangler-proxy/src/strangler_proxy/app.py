"""Running the proxy: its three parts wired together. The wire's server on the data port hands
each request to the policy's request path (Proxy), which reports to the control plane's metrics;
the control plane's admin listener, reloads and signals act on the same Proxy; and on SIGTERM a
clean drain."""

import asyncio
import gc
import signal
import socket
from pathlib import Path

import structlog
import uvloop

from strangler_proxy import logs
from strangler_proxy.control.admin import start_admin
from strangler_proxy.control.changes import Control
from strangler_proxy.control.metrics import Metrics
from strangler_proxy.policy.proxy import Proxy
from strangler_proxy.policy.table import load
from strangler_proxy.wire.problems import send_refusal
from strangler_proxy.wire.server import ServerProtocol

log = structlog.get_logger(__name__)
DRAIN_SECONDS = 20.0


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # several processes, one port
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(
    routes: Path, host: str, port: int, admin_port: int | None, audit_log: Path | None
) -> None:
    table = load(routes)
    metrics = Metrics()
    proxy = Proxy(table, metrics)
    control = Control(proxy, routes, audit_log)
    limits = table.settings.limits  # read at start: a reload changes routes and upstreams
    connections: set[ServerProtocol] = set()

    def new_connection() -> ServerProtocol:
        return ServerProtocol(
            proxy.handle, limits=limits, on_refused=send_refusal, registry=connections
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(new_connection, sock=listening_socket(host, port))
    admin = None
    if admin_port is not None:
        admin = await start_admin(control, metrics, host, admin_port)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: control.reload("sighup"))
    watcher = asyncio.ensure_future(_watch(control))
    # What start-up built lives as long as the process: out of the collector's way, so that its
    # passes only walk what requests allocate (ADR-0008).
    gc.collect()
    gc.freeze()
    log.info("proxy_listening", host=host, port=port, admin_port=admin_port, routes=str(routes))
    await stop.wait()
    await _drain(control, server, connections)
    watcher.cancel()
    if admin is not None:
        await admin.cleanup()
    await proxy.shadower.close()
    proxy.close()


async def _watch(control: Control) -> None:
    """Reload when the routing table file changes (SIGHUP does it at once)."""
    while True:
        await asyncio.sleep(1.0)
        control.reload_if_changed()


async def _drain(
    control: Control, server: asyncio.Server, connections: set[ServerProtocol]
) -> None:
    """Stop taking connections, finish every request under way, then close."""
    control.draining = True
    server.close()
    for protocol in list(connections):
        protocol.close_when_idle()
    deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
    while (control.proxy.in_flight or connections) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    log.info("proxy_drained", left_in_flight=control.proxy.in_flight)


def run(routes: Path, host: str, port: int, admin_port: int | None, audit_log: Path | None) -> None:
    logs.configure()
    uvloop.run(serve(routes, host, port, admin_port, audit_log))
