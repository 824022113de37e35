"""Runs upstream test servers and the proxy in a background event loop, on free ports."""

import asyncio
import dataclasses
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from aiohttp import web

from strangler_proxy.control.metrics import Metrics
from strangler_proxy.policy.proxy import Proxy
from strangler_proxy.policy.table import parse
from strangler_proxy.wire.problems import send_refusal
from strangler_proxy.wire.server import ServerProtocol

# One upstream, `app` (its URL filled in by `running`), and one rule sending it everything.
ONE_UPSTREAM = """
[upstreams.app]
url = "${APP_URL}"
timeout = 5
[[routes]]
path = "/**"
primary = "app"
"""


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Ports free now, and distinct: all are held open together while they are picked (one at a
    time, the system may hand out a port it just gave, and the proxy then cannot bind it)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


@dataclass
class Running:
    proxy_port: int
    upstream_ports: dict[str, int]
    seen: list[web.Request] = field(default_factory=list)  # requests the upstreams received
    connections: dict[str, int] = field(default_factory=dict)  # upstream TCP connections made
    proxy: Proxy | None = None
    clients: set[ServerProtocol] = field(default_factory=set)  # open client connections

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"


@contextmanager
def running(
    routes: str,
    upstreams: dict[str, Callable[[Running], web.Application] | None],
    **limits: float,
) -> Iterator[Running]:
    """`upstreams` maps names to app factories; None means a port where nothing listens.
    `limits` override the table's settings.Limits (`max_body_bytes=1000`)."""
    proxy_port, *upstream_ports = free_ports(1 + len(upstreams))
    ports = dict(zip(upstreams, upstream_ports, strict=True))
    state = Running(proxy_port=proxy_port, upstream_ports=ports)
    env = {f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    table = parse(routes, env=env)
    edge = dataclasses.replace(table.settings.limits, **limits)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def main() -> None:
        nonlocal stop
        stop = loop.create_future()
        runners = []
        try:
            for name, factory in upstreams.items():
                if factory is None:
                    continue
                runner = web.AppRunner(factory(state), access_log=None)
                await runner.setup()
                runners.append(runner)
                await web.TCPSite(runner, "127.0.0.1", ports[name]).start()
            proxy = Proxy(table, Metrics())
            state.proxy = proxy
            server = await loop.create_server(
                lambda: ServerProtocol(
                    proxy.handle, limits=edge, on_refused=send_refusal, registry=state.clients
                ),
                "127.0.0.1",
                state.proxy_port,
            )
            ready.set()
            await stop
            server.close()
            proxy.close()
        finally:  # also when a start failed: nothing is left listening
            for runner in runners:
                await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the test proxy did not start")
    try:
        yield state
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(10)
        loop.close()


@contextmanager
def scripted_upstream(port: int, answers: dict[bytes, bytes]) -> Iterator[None]:
    """A blocking upstream in threads (it makes no reference cycles): each request is answered
    by its path from `answers`, bytes as they are; request bodies are skipped."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.1)

    def serve(connection: socket.socket) -> None:
        pending = b""
        with connection:
            while data := connection.recv(65536):
                pending += data
                while b"\r\n\r\n" in pending:
                    head, _, pending = pending.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    pending = pending[length:]
                    connection.sendall(answers[head.split(b" ")[1]])

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def raw_exchange(port: int, data: bytes, *, read_until_close: bool = True) -> bytes:
    """Send raw bytes to the proxy and read what comes back (for framing tests)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return b"".join(chunks)
