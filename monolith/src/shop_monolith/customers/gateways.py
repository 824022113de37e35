"""Failed logins counted per account and per client address, in a moving window.

The counters live where `limits` keeps them: in the process (`memory://`, the default: each
server process counts on its own) or in Redis (`redis://...`, shared by every process).
"""

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginAttempts:
    def __init__(
        self, storage_url: str, *, per_account: str, per_address: str, key_prefix: str = "shop"
    ) -> None:
        options: dict[str, str] = {}
        if storage_url.startswith(("redis://", "rediss://", "redis+")):
            options["key_prefix"] = key_prefix  # so that tests and shops can share one Redis
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url, **options))
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until this account and address may try again; None if they may now."""
        waits = [
            self._wait(self._per_account, "account", _digest(email)),
            self._wait(self._per_address, "address", address),
        ]
        return max(waits) or None

    def record_failure(self, email: str, address: str) -> None:
        self._limiter.hit(self._per_account, "account", _digest(email))
        self._limiter.hit(self._per_address, "address", address)

    def forget_account(self, email: str) -> None:
        """After a successful login, the owner's earlier typos no longer count against it."""
        self._limiter.clear(self._per_account, "account", _digest(email))

    def _wait(self, limit: RateLimitItem, *identifiers: str) -> int:
        if self._limiter.test(limit, *identifiers):
            return 0
        stats = self._limiter.get_window_stats(limit, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _digest(email: str) -> str:
    """Accounts are counted by a digest: the store never holds an email address."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]
