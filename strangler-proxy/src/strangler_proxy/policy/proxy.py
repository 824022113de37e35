"""The request path: match a route, pick an upstream, forward, stream the answer back.

`Proxy.handle` is the server's handler. It applies the policies (routing, selection, breakers and
retries, shadowing) to each request and sends it over the wire (an upstream pool); it reports
what it did to an Observer, the control plane's metrics in the running proxy."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Protocol

import structlog

from strangler_proxy.messages import Request
from strangler_proxy.policy.resilience import CircuitOpen, Guard
from strangler_proxy.policy.routing import BadPath, match, normalise
from strangler_proxy.policy.selection import choose_target
from strangler_proxy.policy.shadow import Capture, Shadower
from strangler_proxy.policy.table import IDEMPOTENT_METHODS, RoutingTable
from strangler_proxy.wire.forwarding import client_headers, request_id, upstream_request
from strangler_proxy.wire.pool import UpstreamPool
from strangler_proxy.wire.problems import send_problem
from strangler_proxy.wire.responder import Responder
from strangler_proxy.wire.upstream import Exchange, UpstreamError

log = structlog.get_logger(__name__)
IDEMPOTENT = frozenset(method.encode() for method in IDEMPOTENT_METHODS)


class Observer(Protocol):
    """What the request path reports: each answer, and each shadow comparison's result."""

    def observe(self, route: str, upstream: str, status: int, seconds: float) -> None: ...

    def shadow_result(self, route: str, result: str) -> None: ...


class Proxy:
    def __init__(self, table: RoutingTable, metrics: Observer) -> None:
        self.table = table
        self.pools: dict[str, UpstreamPool] = {}
        self.metrics = metrics
        shadow = table.settings.shadow
        self.shadower = Shadower(
            self.fetch,
            on_result=metrics.shadow_result,
            max_in_flight=shadow.shadow_max_in_flight,
            body_cap=shadow.shadow_body_cap_bytes,
            timeout=shadow.shadow_timeout_seconds,
            noise_threshold=shadow.shadow_noise_threshold,
            noise_sample=shadow.shadow_noise_sample,
        )
        self.guard = Guard(table.settings.breaker)
        self.in_flight = 0
        self.swap(table)

    def swap(self, table: RoutingTable) -> None:
        """Use a new routing table for the next requests; requests under way keep theirs."""
        for name, upstream in table.upstreams.items():
            pool = self.pools.get(name)
            if pool is None or (pool.host, pool.port) != (upstream.host, upstream.port):
                self.pools[name] = UpstreamPool(
                    name,
                    upstream.host,
                    upstream.port,
                    timeout=upstream.timeout,
                    max_connections=upstream.max_connections,
                )
                if pool is not None:
                    pool.close()
            else:
                pool.timeout = upstream.timeout
        self.table = table

    async def handle(self, request: Request, responder: Responder) -> None:
        """Serve one request (one coroutine: each level of awaiting costs, ADR-0008)."""
        started = time.perf_counter()
        self.in_flight += 1
        served = ("-", "proxy")  # route and upstream, for the metrics
        try:
            table = self.table  # one table for the whole request, even if a reload swaps it
            try:
                path = normalise(request.path)
            except BadPath as bad:
                send_problem(responder, 400, str(bad))
                return
            method = request.method.decode("ascii", "replace")
            route = match(table, method, path)
            if route is None:
                send_problem(responder, 404, f"No route for {method} {path}.")
                return
            rid = request_id(request)
            target = choose_target(route, request)
            data = upstream_request(request, rid=rid)
            head_only, idempotent = request.method == b"HEAD", request.method in IDEMPOTENT
            capture = None
            if self.shadower.wants(route, request.method):
                copy = upstream_request(request, rid=rid + b"-shadow")
                capture = self.shadower.start(route, copy, head_only, method, path)
            tries = [target]
            if route.fallback and target != route.primary and idempotent:
                tries.append(route.primary)
            try:
                for attempt, name in enumerate(tries):
                    last = attempt == len(tries) - 1
                    try:
                        exchange = await self.guard.call(
                            name, self.pools[name], data, head_only, idempotent=idempotent
                        )
                    except (CircuitOpen, UpstreamError, TimeoutError) as error:
                        if not last:
                            continue
                        status, detail = _failure(name, error)
                        send_problem(responder, status, detail, upstream=name)
                        served = route.name, name
                        return
                    if exchange.head.result().status >= 500 and not last:
                        await self._drain(exchange)
                        continue
                    self._start_relay(exchange, responder, rid, capture)
                    try:
                        await exchange.done  # often done already: the answer came in one read
                    except UpstreamError as broke:
                        log.warning("upstream_broke_midway", error=str(broke))
                        responder.abort()
                    else:
                        responder.finish()
                        if capture is not None:
                            capture.complete.set_result(None)
                    served = route.name, name
                    return
                raise AssertionError("unreachable: the last try always answers")
            finally:
                if capture is not None and not capture.complete.done():
                    capture.complete.set_exception(
                        UpstreamError("the primary did not answer in full")
                    )
                    capture.complete.exception()
        finally:
            self.in_flight -= 1
            elapsed = time.perf_counter() - started
            self.metrics.observe(served[0], served[1], responder.status, elapsed)

    def fetch(self, name: str, data: bytes, head_only: bool) -> Awaitable[Exchange]:
        """A shadow copy (a safe request) to an upstream, past the breakers (ADR-0009)."""
        return self.pools[name].fetch(data, head_only, True)

    def _start_relay(
        self, exchange: Exchange, responder: Responder, rid: bytes, capture: Capture | None
    ) -> None:
        """Send the answer's head, and its body as it streams; `handle` awaits its end."""
        head = exchange.head.result()
        responder.start(head.status, client_headers(head, rid=rid), length=head.length)
        writable = responder.writable
        if capture is not None:
            capture.head(head)

        def sink(chunk: bytes) -> None:
            responder.send(chunk)
            if capture is not None:
                capture.add(chunk)
            if not writable.is_set() and exchange.resumer is None:
                exchange.pause()  # the client reads slowly: stop reading the upstream too
                exchange.resumer = asyncio.ensure_future(
                    self._resume_when_writable(exchange, writable)
                )

        exchange.stream_to(sink)

    @staticmethod
    async def _resume_when_writable(exchange: Exchange, writable: asyncio.Event) -> None:
        await writable.wait()
        exchange.resumer = None
        exchange.resume()

    @staticmethod
    async def _drain(exchange: Exchange) -> None:
        exchange.stream_to(lambda chunk: None)
        with contextlib.suppress(UpstreamError):
            await exchange.done

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()


def _failure(upstream: str, error: Exception) -> tuple[int, str]:
    """The status and detail of the proxy's answer when the last upstream tried failed."""
    if isinstance(error, CircuitOpen):
        return 503, str(error)
    if isinstance(error, TimeoutError):
        return 504, f"{upstream} did not answer in time."
    return 502, str(error)
