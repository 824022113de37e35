"""A pooled HTTP/1.1 client for upstreams: asyncio protocol + httptools, keep-alive reuse."""

import asyncio
import time
from collections import deque

import httptools

from strangler_proxy.exchange import Exchange, UpstreamError
from strangler_proxy.messages import Headers, ResponseHead


class UpstreamConnection(asyncio.Protocol):
    def __init__(self, pool: "UpstreamPool") -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.headers: Headers = []
        self.idle_since = time.monotonic()
        self.closed = False
        self.exchanges = 0  # how many requests this connection has carried

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, data: bytes, exchange: Exchange) -> None:
        assert self.transport is not None
        self.exchange, exchange.connection, self.headers = exchange, self, []
        self.exchanges += 1  # the parser carries over: llhttp reads one response after another
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._abort(
                UpstreamError(f"malformed response from {self.pool.name}: {error}", answered=True)
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.exchange is None:
            return
        head = ResponseHead(
            status=self.parser.get_status_code(),
            reason=b"",
            headers=self.headers,
            keep_alive=self.parser.should_keep_alive(),
            chunked=any(n.lower() == b"transfer-encoding" for n, _ in self.headers),
        )
        self.exchange.got_head(head)
        if self.exchange.head_only:  # a HEAD response has no body whatever its headers say
            self._finish(reusable=False)

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.deliver(body)

    def on_message_complete(self) -> None:
        self._finish(reusable=self.parser.should_keep_alive())

    def _finish(self, *, reusable: bool) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is not None and not exchange.done.done():
            exchange.done.set_result(None)
        if reusable and not self.closed:
            self.pool.release(self)
        else:
            self.close()

    def _abort(self, error: UpstreamError) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            exchange.fail(error)
        self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        answered = self.exchange is not None and self.exchange.head.done()
        if self.exchange is not None:
            self._abort(UpstreamError(f"{self.pool.name} closed the connection", answered=answered))
        self.pool.discard(self)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()
        self.pool.discard(self)


class UpstreamPool:
    """Keep-alive connections to one upstream, at most `max_connections` at a time."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        *,
        max_connections: int = 128,
        connect_timeout: float = 2.0,
        max_idle_seconds: float = 1.5,  # below gunicorn's 2 s keep-alive, so it never closes first
    ) -> None:
        self.name, self.host, self.port = name, host, port
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.max_idle_seconds = max_idle_seconds
        self._idle: deque[UpstreamConnection] = deque()
        self._all: set[UpstreamConnection] = set()
        self._waiters: deque[asyncio.Future[UpstreamConnection]] = deque()
        self._connecting: set[asyncio.Task[None]] = set()  # referenced so they are not collected

    async def acquire(self) -> UpstreamConnection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.max_idle_seconds:
                return connection
            connection.close()
        if len(self._all) < self.max_connections:
            return await self._connect()
        waiter: asyncio.Future[UpstreamConnection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return await waiter

    async def _connect(self) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        placeholder = UpstreamConnection(self)
        self._all.add(placeholder)  # count it while connecting
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: UpstreamConnection(self), self.host, self.port),
                self.connect_timeout,
            )
        except (OSError, TimeoutError) as error:
            raise UpstreamError(f"cannot connect to {self.name}: {error!r}") from error
        finally:
            self._all.discard(placeholder)
        self._all.add(connection)
        return connection

    def release(self, connection: UpstreamConnection) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        connection.idle_since = time.monotonic()
        self._idle.append(connection)

    def discard(self, connection: UpstreamConnection) -> None:
        if connection in self._all:
            self._all.discard(connection)
            if self._waiters and len(self._all) < self.max_connections:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    task = asyncio.ensure_future(self._hand_new_connection(waiter))
                    self._connecting.add(task)
                    task.add_done_callback(self._connecting.discard)

    async def _hand_new_connection(self, waiter: asyncio.Future[UpstreamConnection]) -> None:
        try:
            waiter.set_result(await self._connect())
        except UpstreamError as error:
            if not waiter.done():
                waiter.set_exception(error)

    def close(self) -> None:
        for connection in list(self._all):
            connection.close()
