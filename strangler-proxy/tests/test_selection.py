import base64
import json

from strangler_proxy.messages import Request
from strangler_proxy.policy.selection import bucket, canary_key, choose_target
from strangler_proxy.policy.table import Route

CANARY = Route(
    name="c",
    path="/**",
    methods=None,
    mode="canary",
    primary="old",
    candidate="new",
    canary_percent=25.0,
)


def request(headers: list[tuple[bytes, bytes]] = (), client: str = "10.0.0.1") -> Request:  # type: ignore[assignment]
    return Request(
        method=b"GET", target=b"/", headers=list(headers), client=client, keep_alive=True
    )


def bearer(sub: str) -> tuple[bytes, bytes]:
    payload = base64.urlsafe_b64encode(json.dumps({"sub": sub}).encode()).rstrip(b"=")
    return (b"Authorization", b"Bearer h." + payload + b".sig")


def test_buckets_are_stable_and_spread() -> None:
    assert bucket(b"sub:42") == bucket(b"sub:42")  # no salted hash(): same in every process
    positions = [bucket(f"sub:{n}".encode()) for n in range(4000)]
    share = sum(p < 25.0 for p in positions) / len(positions)
    assert 0.22 < share < 0.28


def test_the_key_prefers_the_token_subject_then_the_cookie_then_the_address() -> None:
    assert canary_key(request([bearer("cust-1")])) == b"sub:cust-1"
    assert canary_key(request([(b"Cookie", b"a=1; strangler_bucket=xyz")])) == b"cookie:xyz"
    assert canary_key(request([(b"Authorization", b"Bearer not-a-jwt")])) == b"addr:10.0.0.1"


def test_a_customer_stays_on_one_side_and_testers_can_force_either() -> None:
    sides = {choose_target(CANARY, request([bearer("same")])) for _ in range(20)}
    assert len(sides) == 1
    assert choose_target(CANARY, request([(b"X-Strangler-Target", b"candidate")])) == "new"
    assert choose_target(CANARY, request([(b"X-Strangler-Target", b"primary")])) == "old"


def test_route_mode_always_goes_to_the_primary() -> None:
    route = Route(name="r", path="/**", methods=None, mode="route", primary="old")
    assert choose_target(route, request([(b"X-Strangler-Target", b"candidate")])) == "old"
