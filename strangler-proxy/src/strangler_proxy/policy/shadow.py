"""Shadow traffic: copy a request to the candidate (and again to the primary, to measure
noise), compare the answers with the primary's, keep counts and the last mismatches."""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from strangler_proxy.messages import ResponseHead
from strangler_proxy.policy.diff import Difference, NoiseModel, Snapshot, real_differences
from strangler_proxy.policy.table import Route
from strangler_proxy.wire.upstream import Exchange, UpstreamError

log = structlog.get_logger(__name__)
NO_NOISE_COPY = Snapshot(0, {}, b"")  # this request took no noise copy
# A difference is looked at again up to this many times, `shadow_recheck_ms` apart: a replica
# under a stream of writes may be behind at one look and caught up at the next.
RECHECKS = 3
Fetch = Callable[[str, bytes, bool], Awaitable[Exchange]]  # upstream, request bytes, is HEAD


@dataclass
class RouteShadowStats:
    compared: int = 0
    mismatched: int = 0
    dropped: int = 0  # not copied: too many copies in flight, or the body was too large
    failed: int = 0  # the candidate (or the noise copy) could not answer
    settled: int = 0  # differed, then agreed when asked again (`shadow_recheck_ms`): lag
    noise: NoiseModel = field(default_factory=NoiseModel)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=20))


class Capture:
    """The primary's response as it streams to the client, up to a size cap."""

    def __init__(self, cap: int) -> None:
        self.cap, self.body, self.overflow = cap, bytearray(), False
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.complete: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def head(self, head: ResponseHead) -> None:
        self.status = head.status
        self.headers = dict(zip(head.names, (value for _, value in head.headers), strict=True))

    def add(self, chunk: bytes) -> None:
        if len(self.body) + len(chunk) > self.cap:
            self.overflow = True
        else:
            self.body += chunk

    def snapshot(self) -> Snapshot:
        return Snapshot(self.status, self.headers, bytes(self.body))


class Shadower:
    def __init__(
        self,
        fetch: Fetch,
        *,
        max_in_flight: int = 32,
        body_cap: int = 256 * 1024,
        timeout: float = 5.0,
        noise_threshold: float = 0.05,
        noise_sample: float = 0.1,
        on_result: Callable[[str, str], None] = lambda route, result: None,
    ) -> None:
        self.fetch, self.max_in_flight, self.body_cap = fetch, max_in_flight, body_cap
        self.timeout, self.noise_threshold = timeout, noise_threshold
        self.on_result = on_result  # (route, match | mismatch | failed | dropped)
        # One request in 1/noise_sample also goes to the primary a second time; the noise model
        # learned from those filters the rest (the first request of a route always samples).
        self.noise_every = max(1, round(1 / noise_sample)) if noise_sample > 0 else 0
        self._copies = 0
        self.in_flight = 0
        self.stats: dict[str, RouteShadowStats] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def wants(self, route: Route, method: bytes) -> bool:
        return route.mode == "shadow" and method.decode("ascii", "replace") in route.shadow_methods

    def start(
        self, route: Route, data: bytes, head_only: bool, method: str, path: str
    ) -> Capture | None:
        """Begin shadowing one request; answers the capture to feed with the primary's reply."""
        stats = self.stats.setdefault(route.name, RouteShadowStats())
        if self.in_flight >= self.max_in_flight or len(data) > self.body_cap:
            stats.dropped += 1
            self.on_result(route.name, "dropped")
            return None
        capture = Capture(self.body_cap)
        self.in_flight += 1
        task = asyncio.ensure_future(
            self._run(route, data, head_only, capture, stats, method, path)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return capture

    async def _run(
        self,
        route: Route,
        data: bytes,
        head_only: bool,
        capture: Capture,
        stats: RouteShadowStats,
        method: str,
        path: str,
    ) -> None:
        try:
            candidate, again = await self._both(route, data, head_only, capture)
        except (UpstreamError, TimeoutError) as error:
            stats.failed += 1
            self.on_result(route.name, "failed")
            log.info("shadow_failed", route=route.name, error=repr(error))
            return
        finally:
            self.in_flight -= 1
        if capture.overflow or candidate is None or again is None:
            stats.dropped += 1
            self.on_result(route.name, "dropped")
            return
        real = self._differences(route, capture.snapshot(), candidate, again, stats)
        for _ in range(RECHECKS if route.shadow_recheck_ms else 0):
            if not real:
                break
            later = await self._recheck(route, data, head_only, stats)
            if later is None:  # a second look failed: no verdict
                return
            if not later:
                stats.compared += 1
                stats.settled += 1
                self.on_result(route.name, "settled")
                return
            real = later
        self._judge(route, real, stats, method, path)

    async def _recheck(
        self, route: Route, data: bytes, head_only: bool, stats: RouteShadowStats
    ) -> list[Difference] | None:
        """Ask both sides again after `shadow_recheck_ms`: what still differs, or None if
        either could not answer."""
        assert route.candidate is not None
        await asyncio.sleep(route.shadow_recheck_ms / 1000)
        try:
            # gather answers a list where its types say tuple: mypyc checks what it is given
            answers = list(
                await asyncio.wait_for(
                    asyncio.gather(
                        self._snapshot(route.primary, data, head_only),
                        self._snapshot(route.candidate, data, head_only),
                    ),
                    self.timeout,
                )
            )
            primary, candidate = answers[0], answers[1]
        except (UpstreamError, TimeoutError) as error:
            stats.failed += 1
            self.on_result(route.name, "failed")
            log.info("shadow_failed", route=route.name, error=repr(error))
            return None
        if primary is None or candidate is None:
            stats.dropped += 1
            self.on_result(route.name, "dropped")
            return None
        return self._differences(route, primary, candidate, NO_NOISE_COPY, stats)

    async def _both(
        self, route: Route, data: bytes, head_only: bool, capture: Capture
    ) -> tuple[Snapshot | None, Snapshot | None]:
        assert route.candidate is not None
        # The copies leave only once the client has its answer: the primary's latency never
        # waits behind their work on the event loop (ADR-0009, measured by bench-proxy).
        await asyncio.wait_for(asyncio.shield(capture.complete), self.timeout)
        sample_noise = bool(self.noise_every) and self._copies % self.noise_every == 0
        self._copies += 1
        copies = [self._snapshot(route.candidate, data, head_only)]
        if sample_noise:
            copies.append(self._snapshot(route.primary, data, head_only))
        answers = await asyncio.wait_for(asyncio.gather(*copies), self.timeout)
        return answers[0], answers[1] if sample_noise else NO_NOISE_COPY

    async def _snapshot(self, upstream: str, data: bytes, head_only: bool) -> Snapshot | None:
        exchange = await self.fetch(upstream, data, head_only)
        head = exchange.head.result()
        body = bytearray()
        too_large = False

        def keep(chunk: bytes) -> None:
            nonlocal too_large
            if len(body) + len(chunk) > self.body_cap:
                too_large = True
            else:
                body.extend(chunk)

        exchange.stream_to(keep)
        await exchange.done
        headers = dict(zip(head.names, (value for _, value in head.headers), strict=True))
        return None if too_large else Snapshot(head.status, headers, bytes(body))

    def _differences(
        self,
        route: Route,
        primary: Snapshot,
        candidate: Snapshot,
        again: Snapshot,
        stats: RouteShadowStats,
    ) -> list[Difference]:
        return real_differences(
            primary,
            candidate,
            None if again is NO_NOISE_COPY else again,
            stats.noise,
            ignore=route.shadow_ignore,
            threshold=self.noise_threshold,
        )

    def _judge(
        self,
        route: Route,
        real: list[Difference],
        stats: RouteShadowStats,
        method: str,
        path: str,
    ) -> None:
        stats.compared += 1
        self.on_result(route.name, "mismatch" if real else "match")
        if real:
            stats.mismatched += 1
            stats.recent.appendleft(_mismatch(method, path, real))
            log.info("shadow_mismatch", route=route.name, path=path, fields=[d.path for d in real])

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()


def _mismatch(method: str, path: str, differences: list[Difference]) -> dict[str, Any]:
    return {
        "at": time.time(),
        "request": f"{method} {path}",
        "differences": [
            {"path": d.path, "primary": d.primary, "candidate": d.candidate}
            for d in differences[:20]
        ],
    }
