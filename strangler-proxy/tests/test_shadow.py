"""Shadow mode: the primary answers, the candidate is compared, noise is not reported."""

import itertools
import time

import httpx
from aiohttp import web
from proxy_harness import Running, running

from strangler_proxy.policy.shadow import RouteShadowStats

SHADOW = """
[upstreams.old]
url = "${OLD_URL}"
timeout = 2
[upstreams.new]
url = "${NEW_URL}"
timeout = 2
[[routes]]
name = "products"
path = "/**"
mode = "shadow"
primary = "old"
candidate = "new"
shadow_ignore = ["generated_at"]
"""
counter = itertools.count()


def app(price: int, *, noisy: bool = False, delay: float = 0.0, name: str = "") -> "object":
    def factory(state: Running) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            import asyncio

            state.seen.append(request)
            await asyncio.sleep(delay)
            body = {"sku": "LAMP", "price": price, "generated_at": time.time(), "from": name}
            if noisy:
                body["nonce"] = next(counter)  # differs on every call, even from the same side
            return web.json_response(body)

        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", handle)
        return application

    return factory


def stats_after(shop: Running, compared: int, timeout: float = 5) -> RouteShadowStats:
    assert shop.proxy is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = shop.proxy.shadower.stats.get("products")
        if stats and stats.compared + stats.failed + stats.dropped >= compared:
            return stats
        time.sleep(0.05)
    raise AssertionError(f"no shadow result within {timeout}s: {shop.proxy.shadower.stats}")


def test_equal_answers_are_compared_without_mismatches() -> None:
    apps = {"old": app(100, name="old"), "new": app(100, name="old")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        for _ in range(3):
            assert client.get("/p").json()["from"] == "old"
        stats = stats_after(shop, 3)
        assert (stats.compared, stats.mismatched) == (3, 0)


def test_a_different_field_is_reported_with_its_diff() -> None:
    apps = {"old": app(100, name="x"), "new": app(90, name="x")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        assert client.get("/p").json()["price"] == 100  # the client always gets the primary
        stats = stats_after(shop, 1)
        assert stats.mismatched == 1
        mismatch = stats.recent[0]
        assert mismatch["request"] == "GET /p"
        assert mismatch["differences"] == [{"path": "price", "primary": 100, "candidate": 90}]


def test_fields_that_differ_between_two_primary_answers_are_noise() -> None:
    apps = {"old": app(100, noisy=True, name="x"), "new": app(100, noisy=True, name="x")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        for _ in range(3):
            client.get("/p")
        stats = stats_after(shop, 3)
        assert (stats.compared, stats.mismatched) == (3, 0)
        assert stats.noise.noisy("nonce", threshold=0.5)


def test_unsafe_methods_are_not_copied() -> None:
    apps = {"old": app(100, name="x"), "new": app(90, name="x")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.post("/p", json={})
        time.sleep(0.3)
        assert shop.proxy is not None and "products" not in shop.proxy.shadower.stats
        assert len(shop.seen) == 1  # only the primary saw the POST


def test_a_slow_or_dead_candidate_never_delays_the_answer() -> None:
    for candidate in (app(100, delay=1.5, name="x"), None):
        apps = {"old": app(100, name="x"), "new": candidate}
        with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
            started = time.monotonic()
            assert client.get("/p").status_code == 200
            assert time.monotonic() - started < 0.5
            stats_after(shop, 1)


def test_copies_beyond_the_in_flight_cap_are_dropped() -> None:
    apps = {"old": app(100, name="x"), "new": app(100, delay=0.5, name="x")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        assert shop.proxy is not None
        shop.proxy.shadower.max_in_flight = 1
        client.get("/p")
        client.get("/p")  # the first copy is still waiting for the slow candidate
        stats = stats_after(shop, 2)
        assert stats.dropped == 1 and stats.compared == 1


def stable_app(price: int, stamp: str) -> "object":
    def factory(state: Running) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            return web.json_response({"price": price, "generated_at": stamp})

        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", handle)
        return application

    return factory


def test_ignored_fields_are_never_reported() -> None:
    # generated_at differs between the sides but not between two primary answers: only the
    # ignore list can keep it out of the report.
    apps = {"old": stable_app(100, "monday"), "new": stable_app(100, "tuesday")}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.get("/p")
        stats = stats_after(shop, 1)
        assert (stats.compared, stats.mismatched) == (1, 0)
    unignored = SHADOW.replace('shadow_ignore = ["generated_at"]', "")
    with running(unignored, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.get("/p")
        stats = stats_after(shop, 1)
        assert stats.mismatched == 1
        assert stats.recent[0]["differences"][0]["path"] == "generated_at"


def test_noise_is_learned_from_a_sample_of_requests() -> None:
    apps = {"old": app(100, noisy=True, name="x"), "new": app(100, noisy=True, name="x")}
    table = SHADOW.replace("[[routes]]", "[settings]\nshadow_noise_sample = 0.25\n[[routes]]")
    with running(table, apps) as shop, httpx.Client(base_url=shop.url) as client:
        for _ in range(8):
            client.get("/p")
        stats = stats_after(shop, 8)
        assert (stats.compared, stats.mismatched) == (8, 0)  # the sampled model filters nonce
        assert stats.noise.samples == 2  # one request in four took a second primary copy
        assert len(shop.seen) == 8 + 8 + 2  # answers, candidate copies, noise copies


def lagging(price: int, *, behind_for: int) -> "object":
    """A candidate whose first `behind_for` answers are old (a replica catching up)."""

    def factory(state: Running) -> web.Application:
        answered = []

        async def handle(request: web.Request) -> web.Response:
            answered.append(request)
            caught_up = len(answered) > behind_for
            body = {"sku": "LAMP", "price": price if caught_up else price - 1, "from": "x"}
            return web.json_response(body)

        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", handle)
        return application

    return factory


RECHECKED = SHADOW.replace(
    'shadow_ignore = ["generated_at"]', 'shadow_ignore = ["generated_at"]\nshadow_recheck_ms = 50'
)


def test_a_difference_gone_when_asked_again_is_lag_not_a_mismatch() -> None:
    apps = {"old": app(100, name="x"), "new": lagging(100, behind_for=1)}
    with running(RECHECKED, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.get("/p")
        stats = stats_after(shop, 1)
        assert (stats.compared, stats.settled, stats.mismatched) == (1, 1, 0)


def test_a_difference_that_stays_when_asked_again_is_a_mismatch() -> None:
    apps = {"old": app(100, name="x"), "new": app(90, name="x")}
    with running(RECHECKED, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.get("/p")
        stats = stats_after(shop, 1)
        assert (stats.compared, stats.settled, stats.mismatched) == (1, 0, 1)
        assert stats.recent[0]["differences"] == [
            {"path": "price", "primary": 100, "candidate": 90}
        ]


def test_without_a_recheck_a_lagging_answer_is_a_mismatch() -> None:
    apps = {"old": app(100, name="x"), "new": lagging(100, behind_for=1)}
    with running(SHADOW, apps) as shop, httpx.Client(base_url=shop.url) as client:
        client.get("/p")
        stats = stats_after(shop, 1)
        assert (stats.settled, stats.mismatched) == (0, 1)
