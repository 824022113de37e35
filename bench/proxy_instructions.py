"""make bench-proxy-instructions REVS="A B ...": instructions per request of the proxy of several
git revisions, counted by valgrind's callgrind, interpreted and (where the revision has the
mypyc build) compiled.

Wall-clock figures on this virtual machine move by a third from one run to the next; an
instruction count does not move with the machine's load (callgrind counts, it does not time),
so it shows the effect of a change to the hot path on its own, to a fraction of a percent. It
counts user-space instructions only: the kernel's share of a request (the TCP send path, about a
third of the proxy's CPU) is not in it. Each proxy runs under callgrind with instrumentation off
while it starts and warms up; instrumentation is switched on, REQUESTS requests go through it (8
keep-alive connections, the 1.1 kB document of `make bench-proxy`, from nginx), and the total is
divided by REQUESTS (the counts are dumped before the proxy shuts down).
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.proxy import nginx, wait_for, write_configs
from bench.proxy_revisions import worktree

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "4000"))
CONNECTIONS = 8
UPSTREAM_PORT, NGINX_PORT, FIRST_PORT = 19301, 19302, 19310
REQUEST = b"GET /doc.json HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"


async def request_once(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bool:
    """Send one request on a kept-alive connection and read its answer; True for a 2xx."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 2")


def send_requests(port: int, count: int) -> None:
    """`count` requests over CONNECTIONS kept-alive connections, each one after another."""

    async def run() -> None:
        connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(CONNECTIONS)]

        async def serial(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for _ in range(count // CONNECTIONS):
                await request_once(reader, writer, REQUEST)
            writer.close()

        await asyncio.gather(*(serial(reader, writer) for reader, writer in connections))

    asyncio.run(run())


@contextmanager
def under_callgrind(path: Path, routes: Path, port: int, out: Path) -> Iterator[int]:
    argv = [sys.executable, "-m", "strangler_proxy", "serve", "--routes", str(routes)]
    child = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            *argv,
            "--port",
            str(port),
        ],
        env={**os.environ, "PYTHONPATH": str(path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield child.pid
    finally:
        child.terminate()
        child.wait(60)


def counted(path: Path, routes: Path, port: int, out: Path) -> float:
    """Instructions per request of the proxy importable from `path`."""
    with under_callgrind(path, routes, port, out) as pid:
        for _ in range(600):  # under callgrind, start-up takes tens of seconds
            try:
                send_requests(port, CONNECTIONS * 50)  # warm: connections, caches
                break
            except OSError:
                time.sleep(0.5)
        subprocess.run(
            ["callgrind_control", "--instr=on", str(pid)], check=True, capture_output=True
        )
        send_requests(port, REQUESTS)
        # Dumped now, so that the shutdown is not counted: a part file of its own.
        subprocess.run(["callgrind_control", "--dump", str(pid)], check=True, capture_output=True)
        parts = sorted(out.parent.glob(f"{out.name}.*"))
        totals = [
            line
            for line in parts[0].read_text().splitlines()
            if line.startswith(("totals:", "summary:"))
        ]
    return int(totals[0].split()[1]) / REQUESTS


def compiled_build(source_root: Path, dest: Path) -> Path | None:
    """The revision's compiled build, if it has one (scripts/proxy-compiled)."""
    script = source_root / "scripts" / "proxy-compiled"
    if not script.exists():
        return None
    subprocess.run([str(script), str(dest)], cwd=source_root, check=True)
    return dest


def main(revisions: list[str]) -> None:
    if not revisions:
        raise SystemExit('usage: make bench-proxy-instructions REVS="rev1 rev2 ..."')
    print(f"proxy instructions per request: {REQUESTS} requests over {CONNECTIONS} connections")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        d = Path(tmp)
        write_configs(d, upstream=UPSTREAM_PORT, nginx=NGINX_PORT)
        stack.enter_context(nginx(d / "upstream.conf", "0"))
        wait_for(f"http://127.0.0.1:{UPSTREAM_PORT}/doc.json")
        port = FIRST_PORT
        for n, revision in enumerate(revisions):
            source = stack.enter_context(worktree(revision, d / f"rev-{n}"))
            builds = {"interpreted": source}
            compiled = compiled_build(source.parent.parent, d / f"compiled-{n}")
            if compiled is not None:
                builds["compiled"] = compiled
            for mode, path in builds.items():
                per_request = counted(path, d / "routes.toml", port, d / f"callgrind-{port}")
                print(f"{revision:<14} {mode:<12} {per_request:>9,.0f} instructions/request")
                port += 1


if __name__ == "__main__":
    main(sys.argv[1:])
