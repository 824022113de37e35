"""Canary selection without sockets: the caller's key, its stable bucket, the share, forcing."""

import base64
import json

from strangler_proxy.messages import Request
from strangler_proxy.policy.selection import bucket, canary_key, choose_target
from strangler_proxy.policy.table import Route
from strangler_proxy.wire.forwarding import upstream_request

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


def test_buckets_are_pinned_so_every_process_and_restart_agrees() -> None:
    # BLAKE2b is unsalted: these positions are the same under any PYTHONHASHSEED, on any host.
    assert bucket(b"sub:42") == 19.45
    assert bucket(b"sub:cust-1") == 30.08
    assert bucket(b"cookie:xyz") == 40.39
    assert bucket(b"addr:10.0.0.1") == 16.18


def test_buckets_lie_in_0_to_100_in_steps_of_a_hundredth() -> None:
    for n in range(2000):
        position = bucket(f"sub:{n}".encode())
        assert 0 <= position < 100
        assert abs(position * 100 - round(position * 100)) < 1e-6


def canary(percent: float, mode: str = "canary") -> Route:
    return Route(
        name="c",
        path="/**",
        methods=None,
        mode=mode,
        primary="old",
        candidate="new",
        canary_percent=percent,
    )


def test_the_candidate_gets_the_callers_below_the_share() -> None:
    caller = request([bearer("42")])  # position 19.45
    assert choose_target(canary(19.46), caller) == "new"
    assert choose_target(canary(19.45), caller) == "old"  # at the share is not below it
    assert choose_target(canary(0), caller) == "old"
    assert choose_target(canary(100), caller) == "new"


def test_raising_the_share_only_moves_callers_to_the_candidate() -> None:
    callers = [request([bearer(str(n))]) for n in range(500)]
    at = {
        p: {n for n, c in enumerate(callers) if choose_target(canary(p), c) == "new"}
        for p in (5, 20)
    }
    assert at[5] <= at[20]
    assert len(at[5]) < len(at[20])


def test_only_the_exact_forcing_values_force_a_side() -> None:
    caller = [bearer("cust-1")]  # position 30.08: the primary at 25%
    assert choose_target(CANARY, request(caller)) == "old"
    for value in (b"Candidate", b"candidate ", b"new", b""):
        assert choose_target(CANARY, request([*caller, (b"X-Strangler-Target", value)])) == "old"
    forced = request([*caller, (b"x-strangler-target", b"candidate")])  # any case of the name
    assert choose_target(CANARY, forced) == "new"


def test_forcing_is_ignored_on_shadow_routes() -> None:
    forced = request([(b"X-Strangler-Target", b"candidate")])
    assert choose_target(canary(100, mode="shadow"), forced) == "old"


def test_the_key_falls_back_past_tokens_without_a_subject_and_empty_cookies() -> None:
    no_subject = base64.urlsafe_b64encode(json.dumps({"name": "x"}).encode()).rstrip(b"=")
    token = (b"Authorization", b"Bearer h." + no_subject + b".sig")
    assert canary_key(request([token])) == b"addr:10.0.0.1"
    assert canary_key(request([(b"Cookie", b"strangler_bucket=")])) == b"addr:10.0.0.1"
    assert canary_key(request([bearer("7"), (b"Cookie", b"strangler_bucket=c")])) == b"sub:7"


def test_the_bearer_scheme_and_header_names_are_case_insensitive() -> None:
    _, value = bearer("7")
    assert canary_key(request([(b"authorization", b"bearer" + value[6:])])) == b"sub:7"


def test_the_forcing_header_never_reaches_an_upstream() -> None:
    forced = request([(b"Host", b"shop"), (b"x-Strangler-TARGET", b"candidate")])
    sent = upstream_request(forced, rid=b"r1")
    assert b"strangler-target" not in sent.lower()
    assert sent.startswith(b"GET / HTTP/1.1\r\n") and b"\r\nHost: shop\r\n" in sent
