"""Per-upstream circuit breakers (purgatory) and retries for idempotent requests (stamina)."""

from collections.abc import Awaitable, Callable
from typing import Any

import stamina
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from strangler_proxy.exchange import Exchange, UpstreamError


class CircuitOpen(Exception):
    """The upstream failed too often lately; the proxy sends it nothing until the breaker's
    time-to-live has passed."""


class _ServerError(Exception):
    """A 5xx answer: a failure for the breaker, though the answer itself is still relayed."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__("5xx")
        self.exchange = exchange


def _retryable(error: Exception) -> bool:
    return isinstance(error, UpstreamError) and not error.answered


class Guard:
    def __init__(self, *, threshold: int = 5, ttl: float = 10.0, retries: int = 1) -> None:
        self.breakers = AsyncCircuitBreakerFactory(default_threshold=threshold, default_ttl=ttl)
        self.breakers.add_listener(self._on_event)
        self.retries = retries
        self.states: dict[str, str] = {}  # upstream -> closed | opened | half-opened

    def _on_event(self, name: str, event_type: str, event: Any) -> None:
        if event_type == "state_changed":
            self.states[name] = str(event.state)
        elif event_type == "circuit_breaker_created":
            self.states.setdefault(name, "closed")

    async def call(
        self, upstream: str, fetch: Callable[[], Awaitable[Exchange]], *, idempotent: bool
    ) -> Exchange:
        """One upstream call through its breaker; connection failures of idempotent requests
        are retried (nothing was answered, so nothing can be done twice).

        The first try runs outside stamina: a retry context costs more per request than the
        whole forwarding path (measured, ADR-0008), and almost every request needs only one try.
        """
        try:
            return await self._through_breaker(upstream, fetch)
        except UpstreamError as error:
            if not idempotent or not self.retries or not _retryable(error):
                raise
        async for attempt in stamina.retry_context(
            on=_retryable, attempts=self.retries, wait_initial=0.01, wait_max=0.1, timeout=None
        ):
            with attempt:
                return await self._through_breaker(upstream, fetch)
        raise AssertionError("unreachable: the retry context raises when it gives up")

    async def _through_breaker(
        self, upstream: str, fetch: Callable[[], Awaitable[Exchange]]
    ) -> Exchange:
        try:
            async with await self.breakers.get_breaker(upstream):
                exchange = await fetch()
                if exchange.head.result().status >= 500:
                    raise _ServerError(exchange)
                return exchange
        except _ServerError as failed:
            return failed.exchange
        except OpenedState as error:
            raise CircuitOpen(f"the circuit to {upstream} is open") from error
