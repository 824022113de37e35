"""Keep-alive connections to one upstream: handed out, taken back, and tried again once when a
kept-alive one turns out closed."""

import asyncio
import time
from collections import deque

from strangler_proxy.wire.upstream import Exchange, UpstreamConnection, UpstreamError


class UpstreamPool:
    """Keep-alive connections to one upstream, at most `max_connections` at a time."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        *,
        timeout: float = 10.0,
        max_connections: int = 128,
        connect_timeout: float = 2.0,
        max_idle_seconds: float = 1.5,  # below gunicorn's 2 s keep-alive, so it never closes first
    ) -> None:
        self.name, self.host, self.port = name, host, port
        self.timeout = timeout  # for the response head; the routing table's, kept on reloads
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.max_idle_seconds = max_idle_seconds
        self._idle: deque[UpstreamConnection] = deque()
        self._all: set[UpstreamConnection] = set()
        self._waiters: deque[asyncio.Future[UpstreamConnection]] = deque()
        self._connecting: set[asyncio.Task[None]] = set()  # referenced so they are not collected

    async def fetch(self, data: bytes, head_only: bool, idempotent: bool) -> Exchange:
        """Send a request; answers once the response head has arrived.

        A kept-alive connection the upstream closed just as it was reused fails before any of
        the answer arrived: an idempotent request then goes once more, on a new connection. A
        request that is not idempotent is never sent twice (the upstream may have acted on it).
        """
        connection = self._idle_connection() or await self.acquire()
        reused = connection.exchanges > 0
        exchange = connection.send(data, head_only=head_only, timeout=self.timeout)
        try:
            await exchange.head
        except UpstreamError as error:
            if error.answered or not reused or not idempotent:
                raise
            return await self._again(data, head_only)
        return exchange

    async def _again(self, data: bytes, head_only: bool) -> Exchange:
        """The second and last try, on a new connection unless the cap is reached."""
        if len(self._all) < self.max_connections:
            connection = await self._connect()
        else:
            connection = await self.acquire()
        exchange = connection.send(data, head_only=head_only, timeout=self.timeout)
        await exchange.head
        return exchange

    def _idle_connection(self) -> UpstreamConnection | None:
        """A kept-alive connection that is still fresh, if there is one (no await: the usual
        case costs no coroutine)."""
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.max_idle_seconds:
                return connection
            connection.close()
        return None

    async def acquire(self) -> UpstreamConnection:
        connection = self._idle_connection()
        if connection is not None:
            return connection
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
