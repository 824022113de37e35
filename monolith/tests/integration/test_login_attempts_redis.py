"""Failed-login counters in Redis: shared by every process that points at the same server."""

import uuid
from collections.abc import Iterator

import pytest
import redis

from shop_monolith.customers.gateways import LoginAttempts

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.redis


@pytest.fixture
def key_prefix() -> Iterator[str]:
    prefix = f"shop-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_two_processes_share_the_count_and_the_store_holds_no_email(key_prefix: str) -> None:
    def process() -> LoginAttempts:  # each server process builds its own, as create_app does
        return LoginAttempts(
            REDIS_URL, per_account="4/minute", per_address="100/minute", key_prefix=key_prefix
        )

    first, second = process(), process()
    for attempts in (first, second, first, second):
        assert attempts.retry_after("ada@example.com", "192.0.2.1") is None
        attempts.record_failure("ada@example.com", "192.0.2.1")
    wait = second.retry_after("ada@example.com", "192.0.2.2")
    assert wait is not None and 1 <= wait <= 60
    assert first.retry_after("bo@example.com", "192.0.2.2") is None

    stored = redis.Redis.from_url(REDIS_URL).keys(f"{key_prefix}*")
    assert stored, "the counters were not kept in Redis"
    assert not any(b"ada@example.com" in key for key in stored)

    first.forget_account("ada@example.com")
    assert second.retry_after("ada@example.com", "192.0.2.2") is None
