"""make bench-proxy: our proxy against direct access and nginx proxy_pass, same upstream.

Placement, the same for every proxy (each one process, nginx one worker): the proxy under
test alone on the proxy core (BENCH_PROXY_CPU, default 1); the upstream (nginx serving a
static 1.1 kB JSON document, one worker) and the load generator (wrk, closed loop, and paced by
bench/paced.lua for the shadow's cost) on the load core (BENCH_LOAD_CPU, default 0; the former
BENCH_SERVER_CPU, one core for every server, is gone). At one connection everything runs on
the load core instead: a request then waits on each hop in turn, and in this virtual machine
every wake-up across cores costs tens of microseconds (nginx proxy_pass adds about 180 us at
one connection split across cores, about 35 us on one), which would hide what the proxy
itself adds.

Rounds are paired: each round measures every target once per connection count, back to back
(direct, nginx, proxy, shadow, aiohttp, with nginx and proxy swapping places from one round to
the next), and ratios are taken within a round; the figures are medians over ROUNDS rounds
(BENCH_ROUNDS, default 5) of SECONDS each (BENCH_SECONDS, default 5). Each @32 line shows the
CPU the proxy under test used and how busy the load core was, so that a reader sees which
side was the bottleneck. Capacity is compared with the monolith's `GET /api/v1/products`
under gunicorn (BENCH_SKIP_MONOLITH=1 leaves it out).

The shadow's cost is read at a fixed rate (BENCH_SHADOW_RATE, default 1000/s) with wrk paced by
bench/paced.lua, through the plain and the shadowing proxy in SHADOW_ROUNDS pairs
(BENCH_SHADOW_ROUNDS, default twice ROUNDS) whose order alternates; each side's requests are
pooled over its runs and shadow_p99_delta compares the pooled p99s (per-pair deltas are printed
to show the spread).

"proxy" and "shadow" are the proxy's compiled build (mypyc, .run/proxy-compiled, which
`make bench-proxy` builds first; ADR-0008), the one its image runs; "interpreted" is the same
code run from the sources, as `make up` does.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import shop_topology
from bench.common import Latencies, LoadResult, median, paced, wrk

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = (1, 8, 32)
PROXY_CPU = os.environ.get("BENCH_PROXY_CPU", "1")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "0")
DOCUMENT = (
    b'{"items": ['
    + b", ".join([b'{"id": "%d", "name": "Classic Lamp"}' % n for n in range(30)])
    + b"]}"
)
PORTS = {
    "upstream": 19001,
    "nginx": 19002,
    "proxy": 19003,
    "aiohttp": 19004,
    "shadow": 19005,
    "interpreted": 19006,
}
COMPILED = Path(__file__).resolve().parent.parent / ".run" / "proxy-compiled"
# The shadow's cost to the primary's p99 is read at a fixed rate with headroom (wrk paced by
# bench/paced.lua): at saturation any extra work only shows as lost throughput. A p99 is the
# tail of the run, so it takes more pairs than the throughput figures to settle.
SHADOW_RATE = float(os.environ.get("BENCH_SHADOW_RATE", "1000"))
SHADOW_ROUNDS = int(os.environ.get("BENCH_SHADOW_ROUNDS", str(2 * ROUNDS)))
LOAD_BUSY_WARNING = 95.0  # percent: above it, a figure may be the load side's, not the proxy's

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
# Every request copied to a candidate, and one in ten (shadow_noise_sample's default) to the
# primary again for the noise model: about 2.1x the upstream work of the plain proxy.
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


@dataclass(frozen=True)
class Run:
    """One wrk run, with the CPU the target process used and how busy the load core was."""

    load: LoadResult
    cpu_percent: float
    load_core_busy: float


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def pin(pid: int, cpus: str) -> None:
    """Every thread of a process onto `cpus` (a taskset list such as "0")."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), {int(cpu) for cpu in cpus.split(",")})


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def core_times(cpu: str) -> tuple[int, int]:
    """(busy, total) jiffies of one core so far."""
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name == f"cpu{cpu}":
            ticks = [int(v) for v in values]
            idle = ticks[3] + ticks[4]
            return sum(ticks) - idle, sum(ticks)
    raise RuntimeError(f"no cpu{cpu} in /proc/stat")


@contextmanager
def process(argv: list[str], *, compiled: bool = False) -> Iterator[int]:
    env = {**os.environ, "PYTHONPATH": str(COMPILED)} if compiled else None
    child = subprocess.Popen(
        ["taskset", "-c", PROXY_CPU, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield child.pid  # taskset execs the command: the same process
    finally:
        child.terminate()
        child.wait(10)


@contextmanager
def nginx(conf: Path, cpus: str) -> Iterator[int]:
    """nginx with one worker pinned to `cpus`; yields the worker's pid."""
    where = ["-c", str(conf), "-p", str(conf.parent)]
    subprocess.run(["taskset", "-c", cpus, "nginx", *where], check=True)
    try:
        master = (conf.parent / conf.name.replace(".conf", ".pid")).read_text().strip()
        workers = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True)
        yield int(workers.stdout.split()[0])
    finally:
        subprocess.run(["nginx", *where, "-s", "quit"], check=False, stderr=subprocess.DEVNULL)


def measured(url: str, pid: int | None, connections: int) -> Run:
    cpu_before = cpu_seconds(pid) if pid else 0.0
    busy_before, total_before = core_times(LOAD_CPU)
    started = time.monotonic()
    load = wrk(url, connections=connections, seconds=SECONDS, threads=1, cpus=LOAD_CPU)
    elapsed = time.monotonic() - started
    busy, total = core_times(LOAD_CPU)
    cpu = (cpu_seconds(pid) - cpu_before) / elapsed * 100 if pid else 0.0
    return Run(load, cpu, (busy - busy_before) / max(1, total - total_before) * 100)


def measure(urls: dict[str, str], pids: dict[str, int]) -> dict[tuple[str, int], list[Run]]:
    """Every target at every connection count, ROUNDS times; nginx and our proxy swap places
    from round to round, so that neither always runs first (the machine's state drifts)."""
    runs: dict[tuple[str, int], list[Run]] = {}
    for round_ in range(ROUNDS):
        pair = ["nginx", "proxy"] if round_ % 2 == 0 else ["proxy", "nginx"]
        order = ["direct", *pair, "interpreted", "shadow", "aiohttp"]
        for connections in CONNECTIONS:
            for name in order:
                pid = pids.get(name)
                if connections == 1 and pid:
                    pin(pid, LOAD_CPU)  # one connection: everything on one core (see above)
                try:
                    runs.setdefault((name, connections), []).append(
                        measured(urls[name], pid, connections)
                    )
                finally:
                    if connections == 1 and pid:
                        pin(pid, PROXY_CPU)
    return runs


def shadow_cost(plain_url: str, shadow_url: str) -> tuple[LoadResult, LoadResult, list[float]]:
    """Latency at a fixed rate through the plain and the shadowing proxy, in pairs whose order
    alternates: each side's requests pooled over the pairs, and each pair's p99 delta (%)."""
    for url in (plain_url, shadow_url):  # warm: the generator's connections, both proxies
        paced(url, rate=SHADOW_RATE, seconds=1, cpus=LOAD_CPU)
    plain: list[Latencies] = []
    shadowed: list[Latencies] = []
    deltas: list[float] = []
    for round_ in range(SHADOW_ROUNDS):
        pair = [(plain, plain_url), (shadowed, shadow_url)]
        for results, url in pair if round_ % 2 == 0 else reversed(pair):
            results.append(paced(url, rate=SHADOW_RATE, seconds=SECONDS, cpus=LOAD_CPU))
        before, after = plain[-1].percentile_ms(0.99), shadowed[-1].percentile_ms(0.99)
        deltas.append((after - before) / before * 100)
    return Latencies.pooled(plain).result(), Latencies.pooled(shadowed).result(), deltas


def ratios(runs: dict[tuple[str, int], list[Run]], name: str, to: str) -> list[float]:
    """Per round: throughput at 32 connections of `name` over `to`."""
    return [
        a.load.requests_per_second / b.load.requests_per_second
        for a, b in zip(runs[name, 32], runs[to, 32], strict=True)
    ]


def added_p50_us(runs: dict[tuple[str, int], list[Run]], name: str) -> list[float]:
    """Per round: the median latency `name` adds at one connection over direct access."""
    return [
        (a.load.p50_ms - b.load.p50_ms) * 1000
        for a, b in zip(runs[name, 1], runs["direct", 1], strict=True)
    ]


def monolith_capacity() -> LoadResult | None:
    if os.environ.get("BENCH_SKIP_MONOLITH") == "1":
        return None
    with shop_topology.start(database="postgres") as shop:
        url = f"{shop.url('monolith-web')}/api/v1/products"  # gunicorn itself, not the proxy
        wrk(url, connections=16, seconds=2, cpus=LOAD_CPU)
        return wrk(url, connections=16, seconds=SECONDS * 2, cpus=LOAD_CPU)


def spread(values: list[float], form: str) -> str:
    return " ".join(form.format(v) for v in values)


def write_configs(d: Path, *, upstream: int, nginx: int) -> None:
    """The document, the two nginx configurations and our routing table, in `d`."""
    d.chmod(0o755)  # nginx workers started by root run as another user and must read it
    (d / "doc.json").write_bytes(DOCUMENT)
    (d / "doc.json").chmod(0o644)
    (d / "upstream.conf").write_text(NGINX_UPSTREAM.format(d=d, port=upstream))
    (d / "proxy.conf").write_text(NGINX_PROXY.format(d=d, port=nginx, upstream=upstream))
    (d / "routes.toml").write_text(ROUTES.format(upstream=upstream))


def main() -> None:
    if not any(COMPILED.rglob("server.*.so")):
        raise SystemExit(f"no compiled proxy in {COMPILED}: run `make proxy-compiled` first")
    print(
        f"proxy benchmark: {ROUNDS} paired rounds x {SECONDS}s; each proxy one process on cpu"
        f" {PROXY_CPU}, upstream and wrk on cpu {LOAD_CPU} (at 1 connection all on cpu"
        f" {LOAD_CPU})"
    )
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        d = Path(tmp)
        write_configs(d, upstream=PORTS["upstream"], nginx=PORTS["nginx"])
        (d / "shadow.toml").write_text(SHADOW_ROUTES.format(upstream=PORTS["upstream"]))
        upstream = f"http://127.0.0.1:{PORTS['upstream']}"
        stack.enter_context(nginx(d / "upstream.conf", LOAD_CPU))
        pids = {"nginx": stack.enter_context(nginx(d / "proxy.conf", PROXY_CPU))}
        serve = [sys.executable, "-m", "strangler_proxy", "serve", "--port"]
        routes = ["--routes", str(d / "routes.toml")]
        pids["proxy"] = stack.enter_context(
            process([*serve, str(PORTS["proxy"]), *routes], compiled=True)
        )
        pids["interpreted"] = stack.enter_context(
            process([*serve, str(PORTS["interpreted"]), *routes])
        )
        pids["shadow"] = stack.enter_context(
            process(
                [*serve, str(PORTS["shadow"]), "--routes", str(d / "shadow.toml")], compiled=True
            ),
        )
        aiohttp = [sys.executable, "-m", "bench.proxy_candidates.aiohttp_proxy", upstream]
        pids["aiohttp"] = stack.enter_context(process([*aiohttp, str(PORTS["aiohttp"])]))
        urls = {name: f"http://127.0.0.1:{port}/doc.json" for name, port in PORTS.items()}
        urls["direct"] = urls.pop("upstream")
        for url in urls.values():
            wait_for(url)
            wrk(url, connections=32, seconds=1, threads=1, cpus=LOAD_CPU)  # warm
        runs = measure(urls, pids)
        plain, shadowed, shadow_deltas = shadow_cost(urls["proxy"], urls["shadow"])
    for (name, connections), results in sorted(runs.items()):
        line = median([run.load for run in results]).line(f"{name} @{connections}")
        if connections == 32:
            cpu = statistics.median(run.cpu_percent for run in results)
            busy = statistics.median(run.load_core_busy for run in results)
            line += f"   proxy cpu {cpu:.0f}%" if name != "direct" else ""
            line += f"   load cpu {busy:.0f}%"
            if name == "nginx" and busy > LOAD_BUSY_WARNING:
                print(
                    f"WARNING: the load core was {busy:.0f}% busy during nginx @32: its figure"
                    " may be bounded by the load side, which flatters every ratio to it"
                )
        print(line)
    monolith = monolith_capacity()
    if monolith is not None:
        print(monolith.line("monolith GET /products @16"))
    print(plain.line(f"proxy @{SHADOW_RATE:.0f}/s paced, pooled"))
    print(shadowed.line(f"shadow @{SHADOW_RATE:.0f}/s paced, pooled"))
    ratio, aiohttp_ratio = ratios(runs, "proxy", "nginx"), ratios(runs, "aiohttp", "nginx")
    interpreted_ratio = ratios(runs, "interpreted", "nginx")
    added, nginx_added = added_p50_us(runs, "proxy"), added_p50_us(runs, "nginx")
    print(f"rounds: throughput/nginx@32 {spread(ratio, '{:.2f}')}")
    print(
        f"rounds: added_p50@1 {spread(added, '{:.0f}us')} (nginx {spread(nginx_added, '{:.0f}us')})"
    )
    print(f"rounds: shadow_p99_delta {spread(shadow_deltas, '{:+.0f}%')}")
    p99 = statistics.median(run.load.p99_ms for run in runs["proxy", 32])
    nginx_p99 = statistics.median(run.load.p99_ms for run in runs["nginx", 32])
    proxy_rps = statistics.median(run.load.requests_per_second for run in runs["proxy", 32])
    capacity = f"{proxy_rps / monolith.requests_per_second:.1f}" if monolith else "n/a"
    print(f"candidate aiohttp: throughput/nginx@32={statistics.median(aiohttp_ratio):.2f}")
    print(
        f"interpreted: throughput/nginx@32={statistics.median(interpreted_ratio):.2f}"
        f" added_p50@1={statistics.median(added_p50_us(runs, 'interpreted')):.0f}us"
    )
    print(f"nginx: added_p50@1={statistics.median(nginx_added):.0f}us")
    print(
        f"proxy: throughput/nginx@32={statistics.median(ratio):.2f}"
        f" added_p50@1={statistics.median(added):.0f}us p99@32={p99:.1f}ms"
        f" nginx_p99@32={nginx_p99:.1f}ms capacity/monolith={capacity}"
        f" shadow_p99_delta={(shadowed.p99_ms - plain.p99_ms) / plain.p99_ms * 100:+.0f}%"
    )


if __name__ == "__main__":
    main()
