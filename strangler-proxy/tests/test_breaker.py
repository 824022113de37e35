"""The circuit breaker: it opens on the upstream's own failures (refused or reset connections,
timeouts, 502/503/504) over a failure rate with a minimum volume in a window, never on answers a
client can provoke; after a while it lets one probe through and closes if the probe succeeds."""

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from aiohttp import web
from proxy_harness import Running, running
from proxy_wire import PROBLEM_BASE

from strangler_proxy.policy.breaker import (
    ADMITTED,
    CLOSED,
    HALF_OPENED,
    OPENED,
    PROBE,
    REFUSED,
    Breaker,
)
from strangler_proxy.settings import BreakerPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(**policy: float) -> tuple[Breaker, Clock]:
    clock = Clock()
    return Breaker(BreakerPolicy(**policy), clock=clock), clock  # type: ignore[arg-type]


def outcomes(breaker: Breaker, failed: list[bool]) -> None:
    for failure in failed:
        breaker.record(breaker.admit(), failed=failure)


def test_it_opens_at_the_failure_rate_once_the_volume_is_reached() -> None:
    unit, _ = breaker(breaker_min_requests=20, breaker_failure_rate=0.5)
    outcomes(unit, [True] * 19)  # all failures, but fewer than the minimum volume
    assert unit.state == CLOSED
    outcomes(unit, [True])
    assert unit.state == OPENED and unit.admit() == REFUSED


def test_a_failure_rate_below_the_threshold_keeps_it_closed() -> None:
    unit, _ = breaker(breaker_min_requests=20, breaker_failure_rate=0.5)
    outcomes(unit, [True, False, False] * 100)  # a third fail, however long the run
    assert unit.state == CLOSED and unit.counts() == (300, 100)
    outcomes(unit, [True] * 99)
    assert unit.state == CLOSED
    outcomes(unit, [True])  # 200 of 400
    assert unit.state == OPENED


def test_failures_older_than_the_window_are_forgotten() -> None:
    unit, clock = breaker(breaker_min_requests=10, breaker_window_seconds=10)
    outcomes(unit, [True] * 9)
    clock.now += 11
    assert unit.counts() == (0, 0)
    outcomes(unit, [True] * 9)
    assert unit.state == CLOSED
    clock.now += 5  # the nine before are still in the window
    outcomes(unit, [True])
    assert unit.state == OPENED


def test_half_open_lets_one_probe_through_and_closes_when_it_succeeds() -> None:
    unit, clock = breaker(breaker_min_requests=4, breaker_open_seconds=10)
    outcomes(unit, [True] * 4)
    clock.now += 9.9
    assert unit.admit() == REFUSED
    clock.now += 0.1
    assert unit.admit() == PROBE
    assert unit.state == HALF_OPENED and unit.admit() == REFUSED  # one probe at a time
    unit.record(PROBE, failed=False)
    assert unit.state == CLOSED and unit.counts() == (0, 0)  # a fresh window
    assert unit.admit() == ADMITTED


def test_a_failed_probe_opens_it_again_and_a_lost_one_lets_another_through() -> None:
    unit, clock = breaker(breaker_min_requests=4, breaker_open_seconds=10)
    outcomes(unit, [True] * 4)
    clock.now += 10
    assert unit.admit() == PROBE
    unit.record(PROBE, failed=True)
    assert unit.state == OPENED and unit.admit() == REFUSED
    clock.now += 10
    assert unit.admit() == PROBE
    unit.release(PROBE)  # cancelled: no verdict
    assert unit.admit() == PROBE


def test_answers_of_requests_let_through_before_it_opened_do_not_count() -> None:
    unit, clock = breaker(breaker_min_requests=4, breaker_open_seconds=10)
    early = [unit.admit() for _ in range(3)]
    outcomes(unit, [True] * 4)
    for admitted in early:
        unit.record(admitted, failed=False)
    assert unit.state == OPENED
    clock.now += 10
    assert unit.admit() == PROBE
    unit.record(ADMITTED, failed=True)  # a late one, not the probe
    assert unit.state == HALF_OPENED


# --- over real sockets ---------------------------------------------------------------------

TABLE = """
[settings]
breaker_min_requests = 10
breaker_open_seconds = 0.5
[upstreams.app]
url = "${APP_URL}"
timeout = 0.3
[[routes]]
path = "/**"
primary = "app"
"""
DEFAULT_POLICY = TABLE.replace("breaker_min_requests = 10\nbreaker_open_seconds = 0.5\n", "")


def app(state: Running) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        state.seen.append(request)
        if request.path == "/boom":
            return web.json_response({"error": "the handler failed"}, status=500)
        if request.path == "/unavailable":
            return web.json_response({"error": "maintenance"}, status=503)
        if request.path == "/slow":
            await asyncio.sleep(1)
        return web.json_response({"path": request.path})

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", handle)
    return application


def is_circuit_open(response: httpx.Response) -> bool:
    return response.status_code == 503 and response.headers.get("X-Strangler-Error") == "proxy"


def test_a_flood_of_500s_from_one_client_leaves_the_circuit_closed_for_everyone() -> None:
    with running(DEFAULT_POLICY, {"app": app}) as shop:
        flood: list[int] = []
        others: list[int] = []
        stop = threading.Event()

        def attacker() -> None:
            with httpx.Client(base_url=shop.url) as client:
                for _ in range(300):
                    flood.append(client.post("/boom").status_code)
            stop.set()

        def customer() -> None:
            with httpx.Client(base_url=shop.url) as client:
                while not stop.is_set():
                    others.append(client.get("/products").status_code)

        threads = [threading.Thread(target=attacker)] + [
            threading.Thread(target=customer) for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert flood == [500] * 300  # relayed as the upstream's own answers
        assert others and set(others) == {200}
        assert shop.proxy is not None and shop.proxy.guard.states["app"] == CLOSED


def test_an_upstream_that_refuses_connections_opens_the_circuit() -> None:
    with running(TABLE, {"app": None}) as shop, httpx.Client(base_url=shop.url) as client:
        answers = [client.post("/x") for _ in range(12)]  # a POST is tried once: one failure
        assert [a.status_code for a in answers[:10]] == [502] * 10
        assert all(is_circuit_open(a) for a in answers[10:])
        assert answers[-1].json()["type"] == PROBLEM_BASE + "circuit-open"
        assert shop.proxy is not None and shop.proxy.guard.states["app"] == OPENED


def test_an_upstream_that_times_out_opens_the_circuit() -> None:
    with running(TABLE, {"app": app}) as shop, httpx.Client(base_url=shop.url) as client:
        statuses = [client.get("/slow").status_code for _ in range(10)]
        assert statuses == [504] * 10
        started = time.monotonic()
        assert is_circuit_open(client.get("/slow"))
        assert time.monotonic() - started < 0.2  # answered at once, the upstream not asked
        assert is_circuit_open(client.get("/fast"))  # the circuit is the upstream's, not a path's


def test_503s_open_the_circuit_only_once_they_are_half_of_the_requests() -> None:
    with running(TABLE, {"app": app}) as shop, httpx.Client(base_url=shop.url) as client:
        for _ in range(10):
            assert client.get("/unavailable").status_code == 503
            assert client.get("/a").status_code == 200
            assert client.get("/b").status_code == 200
        assert shop.proxy is not None and shop.proxy.guard.states["app"] == CLOSED  # 10 of 30
        relayed = 0
        while not is_circuit_open(response := client.get("/unavailable")):
            assert response.status_code == 503 and "X-Strangler-Error" not in response.headers
            relayed += 1
        assert relayed == 10  # 20 failures of 40 requests


class Answering(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"up")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def upstream_on(port: int) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", port), Answering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def test_after_an_outage_a_probe_closes_the_circuit_again() -> None:
    with running(TABLE, {"app": None}) as shop, httpx.Client(base_url=shop.url) as client:
        while not is_circuit_open(client.get("/x")):
            pass
        with upstream_on(shop.upstream_ports["app"]):
            assert is_circuit_open(client.get("/x"))  # still open: the upstream is not asked
            time.sleep(0.6)
            assert client.get("/x").text == "up"  # the probe
            assert shop.proxy is not None and shop.proxy.guard.states["app"] == CLOSED
            assert [client.get("/x").text for _ in range(5)] == ["up"] * 5
