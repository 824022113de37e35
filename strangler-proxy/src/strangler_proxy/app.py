"""Starting the proxy: the data-plane listener on uvloop, one routing table."""

import asyncio
import signal
import socket
from pathlib import Path

import structlog
import uvloop

from strangler_proxy import config
from strangler_proxy.problems import send_refusal
from strangler_proxy.proxy import Proxy
from strangler_proxy.server import ServerProtocol

log = structlog.get_logger(__name__)
DEFAULT_MAX_BODY = 1024 * 1024


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # several processes, one port
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(routes: Path, host: str, port: int) -> None:
    table = config.load(routes)
    proxy = Proxy(table)
    max_body = int(table.settings.get("max_body_bytes", DEFAULT_MAX_BODY))  # type: ignore[call-overload]
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: ServerProtocol(proxy.handle, max_body=max_body, on_refused=send_refusal),
        sock=listening_socket(host, port),
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("proxy_listening", host=host, port=port, routes=str(routes))
    await stop.wait()
    server.close()
    await server.wait_closed()
    proxy.close()


def run(routes: Path, host: str, port: int) -> None:
    uvloop.run(serve(routes, host, port))
