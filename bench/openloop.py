"""An open-loop load generator: requests at a fixed rate, latency from the scheduled time.

Closed-loop tools (wrk) saturate the server, so they cannot tell what an extra cost does to
latency while the server has headroom. Here request i is due at start + i / rate; its latency
runs from that moment to the end of its response (queueing included, no coordinated omission).
"""

import asyncio
import time

from bench.common import LoadResult, percentile


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


async def _run(
    host: str, port: int, path: str, rate: float, seconds: float, connections: int
) -> LoadResult:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.1
    total = int(rate * seconds)

    async def fire(due: float) -> None:
        nonlocal errors
        reader, writer = await pool.get()
        try:
            ok = await request_once(reader, writer, request)
        finally:
            pool.put_nowait((reader, writer))
        latencies.append((time.perf_counter() - due) * 1000)
        errors += 0 if ok else 1

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(fire(due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    latencies.sort()
    return LoadResult(
        total / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99), errors
    )


def fixed_rate(url: str, *, rate: float, seconds: float, connections: int = 32) -> LoadResult:
    """Latency percentiles of GET url at `rate` requests per second."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    return asyncio.run(_run(host, int(port), "/" + path, rate, seconds, connections))
