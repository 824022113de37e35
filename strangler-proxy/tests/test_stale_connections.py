"""A kept-alive upstream connection the upstream drops just as the proxy reuses it: an idempotent
request goes again on a new connection with its body byte for byte; a POST is never sent again
(the upstream may have acted on it), it is answered 502. The pool does the second try."""

import asyncio
import os
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from proxy_harness import ONE_UPSTREAM, free_port, running
from proxy_wire import Wire, assert_problem

from strangler_proxy.wire.pool import UpstreamPool

TABLE = ONE_UPSTREAM
# Bytes that would confuse a careless framing if cut or re-sent: CRLFs, a request line, NULs.
BODY = b"\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n\x00" + os.urandom(200_000)


@dataclass
class DroppingUpstream:
    """Answers the first request on each connection; on the next one it closes the connection
    with the request unread and unanswered (so the proxy's write meets a reset)."""

    served: list[tuple[bytes, bytes]] = field(default_factory=list)  # (request line, body)
    dropped: list[bytes] = field(default_factory=list)  # the first bytes of each dropped one
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, conn: socket.socket) -> None:
        with conn:
            reader = conn.makefile("rb")
            line = reader.readline()
            length = 0
            while (header := reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = reader.read(length)
            with self.lock:
                self.served.append((line.rstrip(), body))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            peeked = conn.recv(64, socket.MSG_PEEK)  # the next request has started to arrive
            if peeked:
                with self.lock:
                    self.dropped.append(peeked)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextmanager
def dropping_upstream(port: int) -> Iterator[DroppingUpstream]:
    upstream = DroppingUpstream()
    server = socket.create_server(("127.0.0.1", port))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            threading.Thread(target=upstream.handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.mark.parametrize("method", [b"PUT", b"DELETE"])
def test_an_idempotent_request_goes_again_with_its_body_intact(method: bytes) -> None:
    with running(TABLE, {"app": None}) as shop, dropping_upstream(shop.upstream_ports["app"]) as up:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /warm HTTP/1.1\r\nHost: a\r\n\r\n")
            assert wire.answer().status == 200
            wire.send(
                method + b" /thing HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            )
            wire.send(BODY)
            answer = wire.answer()
            assert answer.status == 200 and answer.body == b"ok"
        assert len(up.dropped) == 1 and up.dropped[0].startswith(method + b" /thing ")
        assert up.served == [(b"GET /warm HTTP/1.1", b""), (method + b" /thing HTTP/1.1", BODY)]


def test_a_chunked_body_goes_again_intact_with_a_length() -> None:
    with running(TABLE, {"app": None}) as shop, dropping_upstream(shop.upstream_ports["app"]) as up:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /warm HTTP/1.1\r\nHost: a\r\n\r\n")
            assert wire.answer().status == 200
            wire.send(b"PUT /thing HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
            for start in range(0, len(BODY), 65536):
                chunk = BODY[start : start + 65536]
                wire.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            wire.send(b"0\r\n\r\n")
            assert wire.answer().status == 200
        assert up.served[-1] == (b"PUT /thing HTTP/1.1", BODY)


def test_a_post_is_not_sent_again_and_the_next_one_arrives_intact() -> None:
    with running(TABLE, {"app": None}) as shop, dropping_upstream(shop.upstream_ports["app"]) as up:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /warm HTTP/1.1\r\nHost: a\r\n\r\n")
            assert wire.answer().status == 200
            post = b"POST /orders HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            wire.send(post + BODY)
            assert_problem(wire.answer(), 502, "bad-gateway")
            wire.send(post + BODY)  # a new upstream connection this time
            assert wire.answer().status == 200
        assert len(up.dropped) == 1 and up.dropped[0].startswith(b"POST /orders ")
        assert up.served == [(b"GET /warm HTTP/1.1", b""), (b"POST /orders HTTP/1.1", BODY)]


def test_the_pool_tries_again_on_a_new_connection_not_another_kept_alive_one() -> None:
    port = free_port()

    async def put_after_two_warm_connections() -> int:
        pool = UpstreamPool("app", "127.0.0.1", port, timeout=5)
        warm = [await pool.acquire(), await pool.acquire()]  # two connections at once
        for connection in warm:
            exchange = connection.send(
                b"GET /warm HTTP/1.1\r\nHost: a\r\n\r\n", head_only=False, timeout=5
            )
            await exchange.done  # then the connection is idle in the pool, kept alive
        put = b"PUT /thing HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
        exchange = await pool.fetch(put, False, True)
        await exchange.done
        pool.close()
        return exchange.head.result().status

    with dropping_upstream(port) as up:
        assert asyncio.run(put_after_two_warm_connections()) == 200
    assert len(up.dropped) == 1  # the other kept-alive connection was not tried
    assert up.served[-1] == (b"PUT /thing HTTP/1.1", b"hi")
