"""Canary routes fall back to the primary for idempotent requests only."""

import httpx
from aiohttp import web
from proxy_harness import Running, running

NAME = web.AppKey("name", str)
CANARY = """
[upstreams.old]
url = "${OLD_URL}"
[upstreams.new]
url = "${NEW_URL}"
[[routes]]
path = "/**"
mode = "canary"
primary = "old"
candidate = "new"
canary_percent = 100
fallback = true
"""


def app_answering(status: int, name: str) -> "callable":  # type: ignore[valid-type]
    def factory(state: Running) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            state.seen.append(request)
            return web.json_response({"from": name}, status=status)

        app = web.Application()
        app[NAME] = name
        app.router.add_route("*", "/{tail:.*}", handle)
        return app

    return factory


def test_a_failing_candidate_falls_back_for_reads_only() -> None:
    apps = {"old": app_answering(200, "old"), "new": app_answering(500, "new")}
    with running(CANARY, apps) as shop, httpx.Client(base_url=shop.url) as client:
        assert client.get("/x").json() == {"from": "old"}
        assert client.post("/x").json() == {"from": "new"}  # a POST is never sent twice


def test_an_unreachable_candidate_falls_back() -> None:
    apps = {"old": app_answering(200, "old"), "new": None}
    with running(CANARY, apps) as shop, httpx.Client(base_url=shop.url) as client:
        assert client.get("/x").json() == {"from": "old"}
        assert client.post("/x").status_code == 502


def test_forcing_the_primary_skips_the_candidate() -> None:
    apps = {"old": app_answering(200, "old"), "new": app_answering(200, "new")}
    with running(CANARY, apps) as shop, httpx.Client(base_url=shop.url) as client:
        assert client.get("/x").json() == {"from": "new"}
        assert client.get("/x", headers={"X-Strangler-Target": "primary"}).json() == {"from": "old"}


def test_an_open_candidate_circuit_falls_back_to_the_primary() -> None:
    apps = {"old": app_answering(200, "old"), "new": app_answering(503, "new")}
    table = "[settings]\nbreaker_min_requests = 5\n" + CANARY
    with running(table, apps) as shop, httpx.Client(base_url=shop.url) as client:
        answers = [client.get("/x").json()["from"] for _ in range(8)]
        assert answers == ["old"] * 8
        candidate_calls = sum(1 for r in shop.seen if r.app[NAME] == "new")
        assert candidate_calls == 5
