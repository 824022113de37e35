"""`strangler-proxy export nginx`: the rendered config, and real nginx running it."""

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from proxy_harness import free_port, free_ports

from strangler_proxy.__main__ import main
from strangler_proxy.control.nginx_export import render, standalone
from strangler_proxy.policy.routing import match
from strangler_proxy.policy.table import parse

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ENV = {"OLD_URL": "http://127.0.0.1:9001", "NEW_URL": "http://127.0.0.1:9002"}
TABLE = """
[settings]
max_body_bytes = 1024
[upstreams.old]
url = "${OLD_URL}"
timeout = 30
[upstreams.new]
url = "${NEW_URL}"
timeout = 5
[upstreams.broken]
url = "${BROKEN_URL:-http://127.0.0.1:9}"
[[routes]]
name = "product-reads"
path = "/api/v1/products/**"
methods = ["GET"]
primary = "new"
[[routes]]
name = "everyone"
path = "/canary/*"
mode = "canary"
primary = "old"
candidate = "new"
canary_percent = 100
[[routes]]
name = "nobody"
path = "/dark/**"
mode = "canary"
primary = "old"
candidate = "new"
canary_percent = 0
[[routes]]
name = "quarter"
path = "/quarter"
mode = "canary"
primary = "old"
candidate = "new"
canary_percent = 25
[[routes]]
name = "falls-back"
path = "/fallback/**"
mode = "canary"
primary = "old"
candidate = "broken"
canary_percent = 100
fallback = true
[[routes]]
name = "compared"
path = "/orders/*"
mode = "shadow"
primary = "old"
candidate = "new"
[[routes]]
name = "rest"
path = "/**"
methods = ["GET", "HEAD", "POST", "PUT"]
primary = "old"
"""


def nginx_string(token: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", token)


def route_map(config: str) -> list[tuple[re.Pattern[str], str]]:
    """The rules of the map that picks a route, compiled as nginx's PCRE would read them."""
    block = config.split('map "$request_method $uri" $strangler_route {')[1].split("}")[0]
    rules = re.findall(r'^\s+"~(.*)" (\S+);$', block, re.MULTILINE)
    return [(re.compile(nginx_string(regex)), index) for regex, index in rules]


def test_upstreams_keep_connections_alive_and_headers_are_set_like_the_proxy() -> None:
    config = render(parse(TABLE, env=ENV), listen="127.0.0.1:8081")

    assert "upstream strangler_old {" in config and "server 127.0.0.1:9001;" in config
    assert config.count("keepalive 128;") == 4  # three upstreams and one fallback group
    assert "proxy_http_version 1.1;" in config and 'proxy_set_header Connection "";' in config
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config
    assert "proxy_set_header X-Forwarded-Host $http_host;" in config
    assert "client_max_body_size 1024;" in config
    assert "listen 127.0.0.1:8081;" in config


def test_the_edge_limits_are_rendered_as_nginx_directives() -> None:
    config = render(parse(TABLE, env=ENV))

    assert "large_client_header_buffers 4 8192;" in config  # the defaults: 8 KiB lines, 32 KiB
    assert "client_header_timeout 60000ms;" in config
    assert "client_body_timeout 60000ms;" in config
    assert "keepalive_timeout 75000ms;" in config
    assert "send_timeout 60000ms;" in config
    assert "error_page 494 =431 @strangler_431;" in config
    tuned = TABLE.replace(
        "[settings]\n",
        "[settings]\nmax_request_line_bytes = 4094\nmax_header_field_bytes = 8190\n"
        "max_header_bytes = 65536\nkeepalive_timeout_seconds = 2.5\n",
    )
    config = render(parse(tuned, env=ENV))
    assert "large_client_header_buffers 9 8190;" in config  # a buffer holds a line of either
    assert "keepalive_timeout 2500ms;" in config


def test_routes_match_in_table_order_by_method_and_path_like_the_proxy() -> None:
    table = parse(TABLE, env=ENV)
    rules = route_map(render(table))
    names = [route.name for route in table.routes]

    def nginx_route(method: str, path: str) -> str | None:
        key = f"{method} {path}"
        found = next((index for regex, index in rules if regex.search(key)), None)
        return names[int(found)] if found is not None else None

    for method in ("GET", "HEAD", "POST", "DELETE"):
        for path in (
            "/",
            "/api/v1/products",
            "/api/v1/products/7/x",
            "/api/v1/productsx",
            "/canary/a",
            "/canary/a/b",
            "/dark",
            "/quarter/",
            "/orders/1",
            "/a b",
        ):
            proxy = match(table, method, path)
            assert nginx_route(method, path) == (proxy.name if proxy else None), (method, path)


def test_canary_shares_forcing_fallback_and_shadow_are_rendered() -> None:
    config = render(parse(TABLE, env=ENV))

    assert re.search(r"\$strangler_side_3 \{\n    25% candidate;\n    \* primary;\n\}", config)
    assert "$strangler_side_1 {\n    * candidate;\n}" in config
    assert "$strangler_side_2 {\n    * primary;\n}" in config
    assert '"$http_x_strangler_target/$strangler_side_1/$request_method"' in config
    assert "server 127.0.0.1:9;\n    server 127.0.0.1:9001 backup;" in config
    assert config.count("proxy_next_upstream error timeout") == 1  # the fallback route only
    assert "token's subject" in config and "shadowing stays in the proxy" in config


def test_a_table_that_does_not_load_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(TABLE.replace('"${OLD_URL}"', '"${NOT_SET_ANYWHERE}"'))

    with pytest.raises(SystemExit) as exited:
        main(["export", "nginx", "--routes", str(routes)])

    assert exited.value.code == 2
    assert "NOT_SET_ANYWHERE is not set" in capsys.readouterr().err


@pytest.fixture
def nginx() -> str:
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail(f"nginx is not installed ({NGINX}); CI must have it")
        pytest.skip("nginx is not installed")
    return NGINX


def write_standalone(tmp_path: Path, env: dict[str, str], port: int) -> Path:
    tmp_path.chmod(0o755)  # nginx started by root runs its workers as another user
    conf = tmp_path / "nginx.conf"
    conf.write_text(standalone(render(parse(TABLE, env=env), listen=f"127.0.0.1:{port}"), tmp_path))
    return conf


def test_nginx_accepts_the_standalone_config(nginx: str, tmp_path: Path) -> None:
    conf = write_standalone(tmp_path, ENV, free_port())

    checked = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr


class Answering(BaseHTTPRequestHandler):
    """Says which upstream it is and what it received."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes

    def answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {"from": self.server.name, "method": self.command, "headers": dict(self.headers)}  # type: ignore[attr-defined]
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args: object) -> None:
        pass


def serve(name: str) -> tuple[ThreadingHTTPServer, int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    server.name = name  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, server.server_address[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "nginx exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"nginx did not listen on {port}")


@pytest.fixture
def shop_behind_nginx(nginx: str, tmp_path: Path) -> Iterator[httpx.Client]:
    (old, old_port), (new, new_port) = serve("old"), serve("new")
    env = {"OLD_URL": f"http://127.0.0.1:{old_port}", "NEW_URL": f"http://127.0.0.1:{new_port}"}
    (port, broken_port), log = free_ports(2), tmp_path / "error.log"
    conf = write_standalone(
        tmp_path, {**env, "BROKEN_URL": f"http://127.0.0.1:{broken_port}"}, port
    )
    process = subprocess.Popen([nginx, "-c", str(conf), "-e", str(log), "-g", "daemon off;"])
    try:
        wait_for_port(port, process, log)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            yield client
    finally:
        process.terminate()
        process.wait(10)
        for server in (old, new):
            server.shutdown()
            server.server_close()


def test_nginx_routes_by_path_and_method_first_match_wins(shop_behind_nginx: httpx.Client) -> None:
    def side(method: str, path: str) -> str:
        return str(shop_behind_nginx.request(method, path).json()["from"])

    assert side("GET", "/api/v1/products/7") == "new"
    assert side("GET", "/api/v1/products") == "new"
    assert side("POST", "/api/v1/products/7") == "old"  # GET-only rule: falls through to "rest"
    assert side("GET", "/api/v1/productsx") == "old"
    assert side("PUT", "/orders/1") == "old"  # shadow: the primary answers
    missing = shop_behind_nginx.delete("/x")  # no rule takes DELETE here
    assert missing.status_code == 404
    assert missing.headers["X-Strangler-Error"] == "proxy"
    assert missing.json()["type"].endswith("/no-route")
    assert shop_behind_nginx.get("/a/%2e%2e/api/v1/products/1").status_code == 400


def test_nginx_canary_shares_and_the_forcing_header(shop_behind_nginx: httpx.Client) -> None:
    def side(path: str, **headers: str) -> str:
        return str(shop_behind_nginx.get(path, headers=headers).json()["from"])

    assert side("/canary/a") == "new"
    assert side("/dark/a") == "old"
    assert side("/canary/a", **{"X-Strangler-Target": "primary"}) == "old"
    assert side("/dark/a", **{"X-Strangler-Target": "candidate"}) == "new"
    assert side("/dark/a", **{"X-Strangler-Target": "candidate/candidate"}) == "old"
    sides = [side("/quarter", Cookie=f"strangler_bucket=caller-{n}") for n in range(200)]
    assert 0.1 < sides.count("new") / len(sides) < 0.4
    assert {side("/quarter", Cookie="strangler_bucket=same") for _ in range(10)} in (
        {"new"},
        {"old"},
    )


def test_nginx_falls_back_for_idempotent_requests_only(shop_behind_nginx: httpx.Client) -> None:
    assert shop_behind_nginx.get("/fallback/x").json()["from"] == "old"
    assert shop_behind_nginx.put("/fallback/x").json()["from"] == "old"
    refused = shop_behind_nginx.post("/fallback/x")  # never sent twice: the candidate is down
    assert refused.status_code == 502
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_nginx_sets_the_forwarding_headers_like_the_proxy(shop_behind_nginx: httpx.Client) -> None:
    sent = {
        "X-Forwarded-For": "6.6.6.6",
        "X-Forwarded-Host": "evil.example",
        "X-Strangler-Target": "primary",
        "X-Request-ID": "req-42",
    }
    response = shop_behind_nginx.get("/anything", headers=sent)
    seen = response.json()["headers"]

    assert seen["X-Forwarded-For"] == "127.0.0.1"  # replaced, not appended
    assert seen["X-Forwarded-Host"] == shop_behind_nginx.base_url.netloc.decode()
    assert seen["X-Forwarded-Proto"] == "http"
    assert "X-Strangler-Target" not in seen
    assert seen["X-Request-ID"] == response.headers["X-Request-ID"] == "req-42"
    made = shop_behind_nginx.get("/anything", headers={"X-Request-ID": "bad id!"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.json()["headers"]["X-Request-ID"])
    assert shop_behind_nginx.post("/anything", content=b"x" * 2048).status_code == 413


def test_nginx_refuses_a_head_too_large_as_a_problem(shop_behind_nginx: httpx.Client) -> None:
    for headers in ({"X-Big": "v" * 9000}, {f"X-{n}": "v" * 7000 for n in range(6)}):
        refused = shop_behind_nginx.get("/anything", headers=headers)
        assert refused.status_code == 431
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.headers["X-Strangler-Error"] == "proxy"
        assert refused.json()["type"].endswith("/headers-too-large")
