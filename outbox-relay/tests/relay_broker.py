"""The tests' side of RabbitMQ: a consumer that collects messages, and a TCP proxy to cut."""

# mypy: disallow-untyped-calls=False
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue
from relay_harness import BROKER_URL


class Collector:
    """A queue bound to `<source>.events` (all routing keys), drained on demand."""

    def __init__(self, source: str, routing_key: str = "#") -> None:
        self.connection = Connection(BROKER_URL)
        self.channel = self.connection.channel()
        self.exchange = Exchange(f"{source}.events", type="topic", durable=True)
        self.queue = Queue(
            f"{source}-collector", self.exchange, routing_key=routing_key, exclusive=True
        )(self.channel)
        self.queue.declare()
        self.messages: list[Any] = []
        self.ids: set[str] = set()  # message ids (event ids) seen, duplicates once
        self.consumer = Consumer(
            self.channel, [self.queue], callbacks=[self._received], accept=["json"], no_ack=True
        )
        self.consumer.consume()

    def _received(self, body: object, message: Any) -> None:
        self.messages.append(message)
        self.ids.add(message.properties["message_id"])

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Any]:
        """Drain until `count` messages have come (duplicates count), or the timeout."""
        self._drain_until(lambda: len(self.messages) >= count, timeout)
        return self.messages

    def wait_for_ids(self, ids: set[str], timeout: float = 30.0) -> None:
        self._drain_until(lambda: ids <= self.ids, timeout)

    def _drain_until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                self.connection.drain_events(timeout=min(0.5, deadline - time.monotonic()))

    def settle(self, quiet: float = 1.0) -> list[Any]:
        """Drain until nothing more arrives for `quiet` seconds (late duplicates included)."""
        while True:
            try:
                self.connection.drain_events(timeout=quiet)
            except TimeoutError:
                return self.messages

    def close(self) -> None:
        self.consumer.cancel()
        self.queue.delete()
        self.connection.release()


def delete_exchange(name: str) -> None:
    with Connection(BROKER_URL) as connection:
        connection.channel().exchange_delete(name)


class TcpProxy:
    """127.0.0.1:port -> the broker, until cut(): then every connection is reset and new ones
    are refused until restore()."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5672)) -> None:
        self.target = target
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()

    def cut(self) -> None:
        with contextlib.suppress(OSError):  # wakes the accepting thread; close alone would not
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                # Linger 0: a reset, as when a network path breaks, not a polite close.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self) -> None:
        self._listener = self._listen(self.port)

    def close(self) -> None:
        self.cut()
