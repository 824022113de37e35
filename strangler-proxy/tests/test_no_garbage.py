"""The request path leaves no reference cycles: the collector's passes, and the occasional full
one, were the proxy's p99 at 32 connections while every request left about 26 objects in
cycles (ADR-0008). Requests go through a proxy in this process to a blocking upstream in a
thread (which makes no cycles of its own); with the collector off, whatever the requests left
in cycles is what `gc.collect()` then finds. (HEAD is left out: its upstream connection is
closed after each answer, by design, and a connection is allowed its cycles.)"""

import collections
import gc
import socket
import warnings

import pytest
from proxy_harness import ONE_UPSTREAM, running, scripted_upstream

REQUESTS = 300
ANSWERS = {
    b"/length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
}


def exchange(client: socket.socket, request: bytes, end: bytes) -> None:
    client.sendall(request)
    answer = b""
    while not answer.endswith(end):
        chunk = client.recv(65536)
        assert chunk, f"the proxy closed the connection after {answer!r}"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("request_bytes", "end"),
    [
        (b"GET /length HTTP/1.1\r\nHost: a\r\nX-Request-ID: r-1\r\n\r\n", b"{}"),
        (b"GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n", b"0\r\n\r\n"),
        (b"POST /length HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", b"{}"),
    ],
    ids=["length", "chunked", "post"],
)
def test_requests_leave_no_reference_cycles(request_bytes: bytes, end: bytes) -> None:
    with warnings.catch_warnings():  # what earlier tests left unclosed is not this test's subject
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    with (
        running(ONE_UPSTREAM, {"app": None}) as shop,
        scripted_upstream(shop.upstream_ports["app"], ANSWERS),
        socket.create_connection(("127.0.0.1", shop.proxy_port), timeout=5) as client,
    ):
        for _ in range(20):  # warm: the pooled connection, caches, first-use imports
            exchange(client, request_bytes, end)
        gc.collect()
        gc.disable()
        try:
            for _ in range(REQUESTS):
                exchange(client, request_bytes, end)
            gc.set_debug(gc.DEBUG_SAVEALL)
            found = gc.collect()
            kinds = collections.Counter(type(o).__qualname__ for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    # Nothing per request; a few objects of the harness's own are tolerated.
    assert found < REQUESTS // 10, f"{found} objects in cycles: {kinds.most_common(8)}"
