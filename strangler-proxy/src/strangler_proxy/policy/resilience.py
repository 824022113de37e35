"""Per-upstream circuit breakers and retries for idempotent requests (stamina)."""

import stamina

from strangler_proxy.policy.breaker import REFUSED, Breaker
from strangler_proxy.settings import BreakerPolicy
from strangler_proxy.wire.pool import UpstreamPool
from strangler_proxy.wire.upstream import Exchange, UpstreamError

# The upstream's own failures, when it answers: a gateway of its own failed, it says it is
# unavailable, or it timed out. A 500 is an answer to that request, which a client can provoke.
FAILING_STATUSES = frozenset({502, 503, 504})


class CircuitOpen(Exception):
    """The upstream failed too often lately; the proxy sends it nothing until the breaker lets
    a probe through."""


def _retryable(error: Exception) -> bool:
    return isinstance(error, UpstreamError) and not error.answered


class Guard:
    def __init__(self, policy: BreakerPolicy | None = None, *, retries: int = 1) -> None:
        self.policy = policy or BreakerPolicy()
        self.breakers: dict[str, Breaker] = {}
        self.retries = retries

    @property
    def states(self) -> dict[str, str]:
        """upstream -> closed | opened | half-opened"""
        return {name: breaker.state for name, breaker in self.breakers.items()}

    def breaker(self, upstream: str) -> Breaker:
        breaker = self.breakers.get(upstream)
        if breaker is None:
            breaker = self.breakers[upstream] = Breaker(self.policy)
        return breaker

    async def call(
        self,
        upstream: str,
        pool: UpstreamPool,
        data: bytes,
        head_only: bool,
        *,
        idempotent: bool,
        retry: bool = True,
    ) -> Exchange:
        """One request to an upstream's pool through its breaker; connection failures of
        idempotent requests are retried (nothing was answered, so nothing can be done twice).

        The first try runs outside stamina: a retry context costs more per request than the
        whole forwarding path (measured, ADR-0008), and almost every request needs only one try.
        """
        breaker = self.breaker(upstream)
        admitted = breaker.admit()
        if admitted == REFUSED:
            raise CircuitOpen(f"the circuit to {upstream} is open")
        try:
            exchange = await pool.fetch(data, head_only, idempotent)
        except (UpstreamError, TimeoutError) as error:  # refused, reset, broken or silent
            breaker.record(admitted, failed=True)
            if not (retry and idempotent and self.retries and _retryable(error)):
                raise
        except BaseException:
            breaker.release(admitted)  # no verdict on the upstream (cancelled, or a proxy bug)
            raise
        else:
            breaker.record(admitted, failed=exchange.head.result().status in FAILING_STATUSES)
            return exchange
        async for attempt in stamina.retry_context(
            on=_retryable, attempts=self.retries, wait_initial=0.01, wait_max=0.1, timeout=None
        ):
            with attempt:
                return await self.call(
                    upstream, pool, data, head_only, idempotent=idempotent, retry=False
                )
        raise AssertionError("unreachable: the retry context raises when it gives up")
