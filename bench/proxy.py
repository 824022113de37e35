"""make bench-proxy: our proxy against direct access and nginx proxy_pass, same upstream.

Servers run pinned to one core, the load generator (wrk) to the other. Each figure is the
median of ROUNDS interleaved rounds. The upstream is nginx serving a static JSON document,
so that the proxies' own cost dominates; capacity is compared with the monolith's
`GET /api/v1/products` under gunicorn.
"""

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

import shop_topology
from bench.common import LoadResult, wrk
from bench.openloop import fixed_rate

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = (1, 8, 32)
SERVER_CPU, LOAD_CPU = (
    os.environ.get("BENCH_SERVER_CPU", "1"),
    os.environ.get("BENCH_LOAD_CPU", "0"),
)
DOCUMENT = (
    b'{"items": ['
    + b", ".join([b'{"id": "%d", "name": "Classic Lamp"}' % n for n in range(30)])
    + b"]}"
)
PORTS = {"upstream": 19001, "nginx": 19002, "proxy": 19003, "aiohttp": 19004, "shadow": 19005}
# The shadow's cost to the primary's p99 is read at a fixed rate with headroom (open loop):
# at saturation any extra work only shows as lost throughput (printed too, as "shadow @N").
SHADOW_RATE = float(os.environ.get("BENCH_SHADOW_RATE", "1000"))

NGINX_UPSTREAM = """worker_processes 1; pid {d}/upstream.pid; error_log {d}/upstream.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{port};
    location / {{ default_type application/json; root {d}; }} }} }}"""
NGINX_PROXY = """worker_processes 1; pid {d}/proxy.pid; error_log {d}/proxy.err;
events {{ worker_connections 4096; }}
http {{ access_log off;
  upstream up {{ server 127.0.0.1:{upstream}; keepalive 64; keepalive_requests 1000000; }}
  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://up;
    proxy_http_version 1.1; proxy_set_header Connection ""; }} }} }}"""
ROUTES = """[upstreams.up]
url = "http://127.0.0.1:{upstream}"
[[routes]]
path = "/**"
primary = "up"
"""
# Every request copied to a candidate and, for noise, to the primary again: 3x upstream work.
SHADOW_ROUTES = """[upstreams.up]
url = "http://127.0.0.1:{upstream}"
[upstreams.candidate]
url = "http://127.0.0.1:{upstream}"
[[routes]]
path = "/**"
mode = "shadow"
primary = "up"
candidate = "candidate"
"""


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def process(argv: list[str]) -> Iterator[None]:
    child = subprocess.Popen(["taskset", "-c", SERVER_CPU, *argv], stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        child.terminate()
        child.wait(10)


@contextmanager
def nginx(conf: Path) -> Iterator[None]:
    subprocess.run(
        ["taskset", "-c", SERVER_CPU, "nginx", "-c", str(conf), "-p", str(conf.parent)], check=True
    )
    try:
        yield
    finally:
        subprocess.run(
            ["nginx", "-c", str(conf), "-p", str(conf.parent), "-s", "quit"], check=False
        )


def measure(urls: dict[str, str]) -> dict[tuple[str, int], LoadResult]:
    rounds: dict[tuple[str, int], list[LoadResult]] = {}
    for _ in range(ROUNDS):  # interleaved: each round runs every target once
        for connections in CONNECTIONS:
            for name, url in urls.items():
                result = wrk(
                    url, connections=connections, seconds=SECONDS, threads=1, cpus=LOAD_CPU
                )
                rounds.setdefault((name, connections), []).append(result)
    return {key: median(results) for key, results in rounds.items()}


def shadow_cost(plain_url: str, shadow_url: str) -> tuple[LoadResult, LoadResult]:
    """p99 at a fixed rate through the plain and the shadowing proxy, interleaved, medians."""
    os.sched_setaffinity(0, {int(LOAD_CPU)})  # this process generates the load: keep it apart
    try:
        plain, shadowed = [], []
        for _ in range(ROUNDS):
            plain.append(fixed_rate(plain_url, rate=SHADOW_RATE, seconds=SECONDS))
            shadowed.append(fixed_rate(shadow_url, rate=SHADOW_RATE, seconds=SECONDS))
        return median(plain), median(shadowed)
    finally:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def median(results: list[LoadResult]) -> LoadResult:
    return LoadResult(
        requests_per_second=statistics.median(r.requests_per_second for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
    )


def monolith_capacity() -> LoadResult:
    with shop_topology.start(database="postgres") as shop:
        url = f"{shop.url('monolith-web')}/api/v1/products"  # gunicorn itself, not the proxy
        wrk(url, connections=16, seconds=2, cpus=LOAD_CPU)
        return wrk(url, connections=16, seconds=SECONDS * 2, cpus=LOAD_CPU)


def main() -> None:
    print(
        f"proxy benchmark: {ROUNDS} interleaved rounds x {SECONDS}s, servers on cpu {SERVER_CPU},"
        f" wrk on cpu {LOAD_CPU}"
    )
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        d = Path(tmp)
        d.chmod(0o755)  # nginx workers started by root run as another user and must read it
        (d / "doc.json").write_bytes(DOCUMENT)
        (d / "doc.json").chmod(0o644)
        (d / "upstream.conf").write_text(NGINX_UPSTREAM.format(d=d, port=PORTS["upstream"]))
        (d / "proxy.conf").write_text(
            NGINX_PROXY.format(d=d, port=PORTS["nginx"], upstream=PORTS["upstream"])
        )
        (d / "routes.toml").write_text(ROUTES.format(upstream=PORTS["upstream"]))
        (d / "shadow.toml").write_text(SHADOW_ROUTES.format(upstream=PORTS["upstream"]))
        upstream = f"http://127.0.0.1:{PORTS['upstream']}"
        stack.enter_context(nginx(d / "upstream.conf"))
        stack.enter_context(nginx(d / "proxy.conf"))
        stack.enter_context(
            process(
                [
                    "strangler-proxy",
                    "serve",
                    "--routes",
                    str(d / "routes.toml"),
                    "--port",
                    str(PORTS["proxy"]),
                ]
            )
        )
        stack.enter_context(
            process(
                [
                    "strangler-proxy",
                    "serve",
                    "--routes",
                    str(d / "shadow.toml"),
                    "--port",
                    str(PORTS["shadow"]),
                ]
            )
        )
        stack.enter_context(
            process(
                [
                    "python",
                    "-m",
                    "bench.proxy_candidates.aiohttp_proxy",
                    upstream,
                    str(PORTS["aiohttp"]),
                ]
            )
        )
        urls = {name: f"http://127.0.0.1:{port}/doc.json" for name, port in PORTS.items()}
        urls["direct"] = urls.pop("upstream")
        for url in urls.values():
            wait_for(url)
        results = measure(urls)
        plain, shadowed = shadow_cost(urls["proxy"], urls["shadow"])
    for (name, connections), result in sorted(results.items()):
        print(result.line(f"{name} @{connections}"))
    monolith = monolith_capacity()
    print(monolith.line("monolith GET /products @16"))
    ratio = results[("proxy", 32)].requests_per_second / results[("nginx", 32)].requests_per_second
    added_us = (results[("proxy", 1)].p50_ms - results[("direct", 1)].p50_ms) * 1000
    capacity = results[("proxy", 32)].requests_per_second / monolith.requests_per_second
    print(plain.line(f"proxy @{SHADOW_RATE:.0f}/s open loop"))
    print(shadowed.line(f"shadow @{SHADOW_RATE:.0f}/s open loop"))
    shadow_delta = (shadowed.p99_ms - plain.p99_ms) / plain.p99_ms * 100
    aiohttp_ratio = (
        results[("aiohttp", 32)].requests_per_second / results[("nginx", 32)].requests_per_second
    )
    print(f"candidate aiohttp: throughput/nginx@32={aiohttp_ratio:.2f}")
    print(
        f"proxy: throughput/nginx@32={ratio:.2f} added_p50@1={added_us:.0f}us "
        f"capacity/monolith={capacity:.1f} shadow_p99_delta={shadow_delta:+.0f}%"
    )


if __name__ == "__main__":
    main()
