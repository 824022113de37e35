"""Limits on what a client may send and how slowly: each breach is the proxy's own 4xx problem,
then the connection closes; nothing of it reaches the upstream."""

import contextlib
import socket
import threading
import time
from pathlib import Path

import httpx
from aiohttp import web
from proxy_harness import ONE_UPSTREAM, Running, running
from proxy_process import proxy_process, upstream
from proxy_wire import Wire, assert_problem

TABLE = ONE_UPSTREAM
SMALL = {  # small limits and short timeouts, so that the tests are quick
    "max_request_line_bytes": 1024,
    "max_header_bytes": 4096,
    "max_header_field_bytes": 2048,
    "max_header_count": 20,
    "client_header_timeout_seconds": 0.5,
    "client_body_timeout_seconds": 0.5,
    "keepalive_timeout_seconds": 0.5,
    "send_timeout_seconds": 0.5,
}
GET = b"GET /x HTTP/1.1\r\nHost: shop.example\r\n"
UPSTREAM_AT = """
[upstreams.shop]
url = "http://127.0.0.1:{port}"
[[routes]]
path = "/**"
primary = "shop"
"""


def app(state: Running) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
        state.seen.append(request)
        body = await request.read()
        if request.path == "/big":  # 16 MiB, more than any socket buffer holds
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(256):
                await response.write(b"x" * 65536)
            await response.write_eof()
            return response
        return web.json_response({"path": request.path_qs, "length": len(body)})

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", echo)
    return application


def test_a_long_request_line_is_a_414_problem_even_when_sent_in_pieces() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
            answer = wire.answer()
            assert_problem(answer, 414, "uri-too-long")
            assert answer.header("connection") == b"close" and wire.closed()
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /")
            for _ in range(30):
                wire.send(b"b" * 100)
                time.sleep(0.005)
            assert_problem(wire.answer(), 414, "uri-too-long")
            assert wire.closed()
        assert shop.seen == []


def test_a_head_too_large_is_a_431_problem_by_line_by_block_and_by_count() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        one_long = GET + b"X-Long: " + b"v" * 3000 + b"\r\n\r\n"
        many_medium = GET + b"".join(b"X-%d: %s\r\n" % (n, b"v" * 1500) for n in range(3)) + b"\r\n"
        too_many = GET + b"".join(b"X-%d: v\r\n" % n for n in range(25)) + b"\r\n"
        for head in (one_long, many_medium, too_many):
            with Wire(shop.proxy_port) as wire:
                wire.send(head)
                assert_problem(wire.answer(), 431, "headers-too-large")
                assert wire.closed()
        with Wire(shop.proxy_port) as wire:  # just under every limit: served
            wire.send(
                GET + b"".join(b"X-%d: %s\r\n" % (n, b"v" * 1000) for n in range(3)) + b"\r\n"
            )
            assert wire.answer().status == 200
        assert len(shop.seen) == 1


def test_an_unfinished_head_is_cut_off_at_the_limit() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop, Wire(shop.proxy_port) as wire:
        wire.send(GET + b"X-Endless: ")
        for _ in range(10):  # 40 KiB, ten times the limit, and never a line end
            wire.send(b"v" * 4096)
        assert_problem(wire.answer(), 431, "headers-too-large")
        assert wire.closed()
        assert shop.seen == []


def test_with_the_default_limits_huge_heads_get_the_proxys_own_answers() -> None:
    """The probe's findings: a 64 KiB header and a 70 KB target were the upstream's HTML."""
    with running(TABLE, {"app": app}) as shop:
        with Wire(shop.proxy_port) as wire:
            wire.send(GET + b"X-Big: " + b"v" * 65536 + b"\r\n\r\n")
            assert_problem(wire.answer(), 431, "headers-too-large")
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
            answer = wire.answer()
            assert_problem(answer, 414, "uri-too-long")
            assert answer.reason == b"URI Too Long"
        assert shop.seen == []


def test_a_slow_head_is_a_408_problem_however_it_trickles() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"GET /x HTTP/1.1\r\nHost: a\r\n")  # and nothing more
            started = time.monotonic()
            assert_problem(wire.answer(), 408, "request-timeout")
            assert 0.3 < time.monotonic() - started < 2.0
            assert wire.closed()
        with Wire(shop.proxy_port) as wire:  # a byte every 50 ms: the head's time is the limit
            wire.send(b"GET /x HTTP/1.1\r\n")
            started = time.monotonic()
            wire.sock.settimeout(0.05)
            answered = b""
            while not answered and time.monotonic() - started < 3:
                try:
                    wire.send(b"X")
                    answered = wire.sock.recv(65536)
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
            assert answered.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
            assert time.monotonic() - started < 2.0
        assert shop.seen == []


def test_a_slow_body_is_a_408_problem_and_a_steady_one_is_served() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        with Wire(shop.proxy_port) as wire:
            wire.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345")
            assert_problem(wire.answer(), 408, "request-timeout")
            assert wire.closed()
        assert shop.seen == []
        with Wire(shop.proxy_port) as wire:  # 1.5 s in all, but never 0.5 s between two reads
            wire.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n")
            for byte in b"abcdef":
                time.sleep(0.25)
                wire.send(bytes([byte]))
            answer = wire.answer()
            assert answer.status == 200 and answer.json() == {"path": "/x", "length": 6}


def test_idle_connections_are_closed_quietly() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        with Wire(shop.proxy_port) as wire:  # kept alive, then idle
            wire.send(GET + b"\r\n")
            assert wire.answer().status == 200
            started = time.monotonic()
            assert wire.closed(within=3.0)
            assert 0.3 < time.monotonic() - started < 2.0
        with Wire(shop.proxy_port) as wire:  # connected, never sent a byte
            assert wire.closed(within=3.0)


def test_beyond_the_connection_cap_a_new_connection_gets_a_503_problem() -> None:
    with running(TABLE, {"app": app}, max_client_connections=3) as shop:
        held = [socket.create_connection(("127.0.0.1", shop.proxy_port)) for _ in range(3)]
        deadline = time.monotonic() + 5
        while len(shop.clients) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        with Wire(shop.proxy_port) as wire:
            wire.send(GET + b"\r\n")
            assert_problem(wire.answer(), 503, "overloaded")
            assert wire.closed()
        held.pop().close()
        time.sleep(0.2)
        with httpx.Client(base_url=shop.url) as client:
            assert client.get("/x").status_code == 200
        for sock in held:
            sock.close()
        assert len(shop.seen) == 1


def test_a_client_that_does_not_read_its_answer_is_cut_off() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop:
        sock = socket.create_connection(("127.0.0.1", shop.proxy_port))
        sock.sendall(GET.replace(b"/x", b"/big") + b"\r\n")
        time.sleep(1.5)  # reading nothing: the proxy's buffers fill and stay full
        assert shop.proxy is not None and shop.proxy.in_flight == 0  # the request ended
        sock.settimeout(5)
        received, reset = 0, False
        try:
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            reset = True  # and what was still queued for it is dropped
        sock.close()
        assert reset and received < 256 * 65536


def test_a_pipelined_request_after_a_refused_one_is_not_served() -> None:
    with running(TABLE, {"app": app}, **SMALL) as shop, Wire(shop.proxy_port) as wire:
        wire.send(GET + b"\r\n" + b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: a\r\n\r\n" + GET)
        first = wire.answer()
        assert first.status == 200 and first.json()["path"] == "/x"
        assert_problem(wire.answer(), 414, "uri-too-long")
        assert wire.closed()
        assert len(shop.seen) == 1


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def endless_head(port: int, size: int, answers: list[bytes]) -> None:
    """Sends `size` bytes of a head that never ends, reading what comes back meanwhile."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    received: list[bytes] = []

    def read() -> None:
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                received.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    with contextlib.suppress(OSError):  # the proxy resets the connection at some point
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Endless: ")
        block = b"v" * (1 << 20)
        for _ in range(size // len(block)):
            sock.sendall(block)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    reader.join(10)
    sock.close()
    answers.append(b"".join(received))


def test_huge_unfinished_heads_do_not_grow_the_proxy_and_others_are_served(
    tmp_path: Path,
) -> None:
    """The probe's finding: four unfinished 64 MiB heads grew the proxy from 51 to 313 MB."""
    with upstream("shop") as port, proxy_process(UPSTREAM_AT.format(port=port), tmp_path) as proxy:
        pid = proxy.process.pid
        with httpx.Client(base_url=proxy.url) as client:
            assert client.get("/warm").text == "shop"
            before, peak = rss_kib(pid), 0
            answers: list[bytes] = []
            senders = [
                threading.Thread(target=endless_head, args=(proxy.port, 64 << 20, answers))
                for _ in range(4)
            ]
            for sender in senders:
                sender.start()
            served = []
            while any(sender.is_alive() for sender in senders):
                peak = max(peak, rss_kib(pid))
                served.append(client.get("/meanwhile").status_code)
            for sender in senders:
                sender.join()
        assert len(answers) == 4
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
            assert b"application/problem+json" in answer and b"headers-too-large" in answer
        assert served and set(served) == {200}
        assert peak - before < 16 * 1024, f"RSS grew from {before} KiB to {peak} KiB"
