"""make bench-proxy-revisions REVS="A B ...": the proxy of several git revisions, back to back.

Each revision's `strangler_proxy` runs from a temporary worktree (with this checkout's
virtual environment) on the proxy core, beside one nginx `proxy_pass` as the yardstick; the
upstream and wrk share the load core, as in `make bench-proxy`. Each round measures nginx and
every revision once at 32 connections, in an order that rotates between rounds; the figures
are medians over the rounds, the ratio to nginx taken within each round. This is how the effect
of each change to the hot path is measured on its own (ADR-0008).
"""

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.common import LoadResult, wrk
from bench.proxy import (
    LOAD_CPU,
    PROXY_CPU,
    ROUNDS,
    SECONDS,
    cpu_seconds,
    nginx,
    wait_for,
    write_configs,
)

UPSTREAM_PORT, NGINX_PORT, FIRST_PORT = 19201, 19202, 19210
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worktree(revision: str, where: Path) -> Iterator[Path]:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where), revision],
        check=True,
    )
    try:
        yield where / "strangler-proxy" / "src"
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], check=False
        )


@contextmanager
def proxy_of(source: Path, routes: Path, port: int) -> Iterator[int]:
    """That revision's proxy: its package first on the path, this environment's libraries."""
    argv = [sys.executable, "-m", "strangler_proxy", "serve", "--routes", str(routes)]
    child = subprocess.Popen(
        ["taskset", "-c", PROXY_CPU, *argv, "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(source)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield child.pid  # taskset execs the proxy: the same process
    finally:
        child.terminate()
        child.wait(10)


def main(revisions: list[str]) -> None:
    if not revisions:
        raise SystemExit('usage: make bench-proxy-revisions REVS="rev1 rev2 ..."')
    print(
        f"proxy revisions: {ROUNDS} rotating rounds x {SECONDS}s at 32 connections; proxies on"
        f" cpu {PROXY_CPU}, upstream and wrk on cpu {LOAD_CPU}"
    )
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        d = Path(tmp)
        write_configs(d, upstream=UPSTREAM_PORT, nginx=NGINX_PORT)
        stack.enter_context(nginx(d / "upstream.conf", LOAD_CPU))
        pids = {"nginx": stack.enter_context(nginx(d / "proxy.conf", PROXY_CPU))}
        urls = {"nginx": f"http://127.0.0.1:{NGINX_PORT}/doc.json"}
        for n, revision in enumerate(revisions):
            source = stack.enter_context(worktree(revision, d / f"rev-{n}"))
            pids[revision] = stack.enter_context(
                proxy_of(source, d / "routes.toml", FIRST_PORT + n)
            )
            urls[revision] = f"http://127.0.0.1:{FIRST_PORT + n}/doc.json"
        for url in urls.values():
            wait_for(url)
        for url in urls.values():  # warm: connections, caches; the first round is not special
            wrk(url, connections=32, seconds=1, threads=1, cpus=LOAD_CPU)
        names = list(urls)
        results: dict[str, list[LoadResult]] = {name: [] for name in names}
        cpu_us: dict[str, list[float]] = {name: [] for name in names}  # per request
        ratios: dict[str, list[float]] = {name: [] for name in revisions}
        for round_ in range(ROUNDS):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in order:
                before = cpu_seconds(pids[name])
                result = wrk(urls[name], connections=32, seconds=SECONDS, threads=1, cpus=LOAD_CPU)
                used = cpu_seconds(pids[name]) - before
                results[name].append(result)
                cpu_us[name].append(used / (result.requests_per_second * SECONDS) * 1e6)
            for revision in revisions:
                nginx_rps = results["nginx"][-1].requests_per_second
                ratios[revision].append(results[revision][-1].requests_per_second / nginx_rps)
    first = statistics.median(r.requests_per_second for r in results[revisions[0]])
    for name in names:
        rps = statistics.median(r.requests_per_second for r in results[name])
        p99 = statistics.median(r.p99_ms for r in results[name])
        cpu = statistics.median(cpu_us[name])
        line = f"{name:<14} {rps:>9.1f} req/s   p99 {p99:>6.2f} ms   cpu {cpu:>5.1f} us/req"
        if name != "nginx":
            spread = " ".join(f"{ratio:.2f}" for ratio in ratios[name])
            line += f"   x{rps / first:.2f}   /nginx {statistics.median(ratios[name]):.2f}"
            line += f" (rounds: {spread})"
        print(line)
    summary = " ".join(f"{rev}={statistics.median(ratios[rev]):.2f}" for rev in revisions)
    print(f"revisions: throughput/nginx@32 {summary}")


if __name__ == "__main__":
    main(sys.argv[1:])
