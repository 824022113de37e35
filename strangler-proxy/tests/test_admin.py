"""The admin listener, runtime changes with audit, reloads and the drain, on the real process."""

import json
import signal
import threading
import time
from pathlib import Path

import httpx
from proxy_process import TOKEN, proxy_process, upstream


def table(old: int, new: int, *, primary: str = "old") -> str:
    return f"""
[upstreams.old]
url = "http://127.0.0.1:{old}"
[upstreams.new]
url = "http://127.0.0.1:{new}"
[[routes]]
name = "all"
path = "/**"
primary = "{primary}"
"""


def eventually(check, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_health_readiness_and_metrics(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        assert httpx.get(f"{proxy.admin}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{proxy.admin}/readyz").status_code == 200
        assert httpx.get(f"{proxy.url}/x").text == "old"
        metrics = httpx.get(f"{proxy.admin}/metrics").text
        assert 'strangler_responses_total{route="all",status="200",upstream="old"} 1.0' in metrics
        assert "strangler_request_duration_seconds_bucket" in metrics
        assert httpx.get(f"{proxy.url}/metrics").text == "old"  # the data port only proxies


def test_a_route_change_needs_the_token_is_applied_and_audited(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        url = f"{proxy.admin}/admin/api/routes/all"
        assert httpx.patch(url, json={"primary": "new"}).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.patch(url, json={"primary": "new"}, headers=wrong).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        refused = httpx.patch(url, json={"primary": "nowhere"}, headers=auth)
        assert (
            refused.status_code == 422 and "not a configured upstream" in refused.json()["detail"]
        )
        assert httpx.get(f"{proxy.url}/x").text == "old"
        changed = httpx.patch(url, json={"primary": "new"}, headers=auth)
        assert changed.status_code == 200 and changed.json()["primary"] == "new"
        assert httpx.get(f"{proxy.url}/x").text == "new"
        audit = [json.loads(line) for line in proxy.audit.read_text().splitlines()]
        assert audit[-1]["action"] == "change-route"
        assert (audit[-1]["before"]["primary"], audit[-1]["after"]["primary"]) == ("old", "new")


def test_reading_the_state_needs_the_token_but_probes_and_metrics_do_not(
    tmp_path: Path,
) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        for path in ("/admin/api/state", "/admin/api/view"):
            anonymous = httpx.get(f"{proxy.admin}{path}")
            assert anonymous.status_code == 401
            assert anonymous.headers["Content-Type"].startswith("application/problem+json")
            assert anonymous.json()["type"].endswith("/admin-unauthorized")
            assert str(old) not in anonymous.text  # no upstream address, no route
            wrong = httpx.get(f"{proxy.admin}{path}", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        state = httpx.get(f"{proxy.admin}/admin/api/state", headers=auth)
        assert state.status_code == 200 and state.headers["Cache-Control"] == "no-store"
        assert state.json()["upstreams"][0]["url"] == f"http://127.0.0.1:{old}"
        view = httpx.get(f"{proxy.admin}/admin/api/view", headers=auth)
        assert view.status_code == 200 and "all" in view.text and str(old) in view.text
        page = httpx.get(f"{proxy.admin}/admin")  # the page holds a form, never the state
        assert page.status_code == 200 and 'name="token"' in page.text
        assert (
            str(old) not in page.text
            and "script-src 'sha256-" in page.headers["Content-Security-Policy"]
        )
        for path in ("/healthz", "/readyz", "/metrics"):
            assert httpx.get(f"{proxy.admin}{path}").status_code == 200


def test_the_admin_api_is_disabled_without_a_token_and_says_why(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path, token=None) as proxy,
    ):
        for response in (
            httpx.post(f"{proxy.admin}/admin/api/reload"),
            httpx.patch(f"{proxy.admin}/admin/api/routes/all", json={"primary": "new"}),
            httpx.get(f"{proxy.admin}/admin/api/state"),
            httpx.get(f"{proxy.admin}/admin/api/view"),
        ):
            assert response.status_code == 403
            assert response.json()["type"].endswith("/admin-disabled")
            assert "STRANGLER_ADMIN_TOKEN is unset" in response.json()["detail"]
        page = httpx.get(f"{proxy.admin}/admin").text
        assert "STRANGLER_ADMIN_TOKEN is unset" in page and 'name="token"' not in page
        assert httpx.get(f"{proxy.url}/x").text == "old"  # and routing is unaffected


def test_file_changes_and_sighup_reload_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        proxy.routes.write_text(table(old, new, primary="new"))
        eventually(lambda: httpx.get(f"{proxy.url}/x").text == "new")
        proxy.routes.write_text("this is not toml [")
        time.sleep(1.5)
        assert httpx.get(f"{proxy.url}/x").text == "new"  # the running table stays
        actions = [json.loads(line)["action"] for line in proxy.audit.read_text().splitlines()]
        assert actions[-2:] == ["reload", "reload-refused"]
        proxy.routes.write_text(table(old, new, primary="old"))
        proxy.signal(signal.SIGHUP)
        eventually(lambda: httpx.get(f"{proxy.url}/x").text == "old")


def test_reloads_under_load_drop_no_request(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        failures: list[str] = []
        stop = threading.Event()

        def load() -> None:
            with httpx.Client(base_url=proxy.url) as client:
                while not stop.is_set():
                    response = client.get("/x")
                    if response.status_code != 200 or response.text not in ("old", "new"):
                        failures.append(f"{response.status_code} {response.text}")

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        for n in range(10):
            proxy.routes.write_text(table(old, new, primary="new" if n % 2 else "old"))
            proxy.signal(signal.SIGHUP)
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join()
        assert failures == []


def test_sigterm_drains_requests_under_way(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        answers: list[int] = []
        slow = threading.Thread(
            target=lambda: answers.append(httpx.get(f"{proxy.url}/slow").status_code)
        )
        slow.start()
        time.sleep(0.3)
        proxy.signal(signal.SIGTERM)
        slow.join()
        assert answers == [200]
        assert proxy.process.wait(10) == 0


def test_a_reload_says_that_changed_settings_wait_for_a_restart(tmp_path: Path) -> None:
    with (
        upstream("old") as old,
        upstream("new") as new,
        proxy_process(table(old, new), tmp_path) as proxy,
    ):
        proxy.routes.write_text("[settings]\nmax_header_bytes = 4096\n" + table(old, new))
        auth = {"Authorization": f"Bearer {TOKEN}"}
        reloaded = httpx.post(f"{proxy.admin}/admin/api/reload", headers=auth)
        assert reloaded.status_code == 200
        assert "take effect at the next start" in reloaded.json()["detail"]
