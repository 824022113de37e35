"""Which upstream a request goes to: the route's primary, or its candidate for a canary share."""

import base64
import hashlib
import json

from strangler_proxy.messages import Request
from strangler_proxy.policy.table import Route

FORCE_HEADER = b"x-strangler-target"
BUCKET_COOKIE = b"strangler_bucket"


def canary_key(request: Request) -> bytes:
    """What keeps a caller on one side: the token's subject, else a cookie, else the address."""
    authorization = request.header(b"authorization") or b""
    if authorization[:7].lower() == b"bearer ":
        try:
            payload = authorization[7:].split(b".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
            return ("sub:" + str(claims["sub"])).encode()
        except (IndexError, ValueError, KeyError, TypeError):
            pass  # not a JWT: fall back to the other keys (the upstream judges the token)
    for part in (request.header(b"cookie") or b"").split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name == BUCKET_COOKIE and value:
            return b"cookie:" + value
    return b"addr:" + request.client.encode()


def bucket(key: bytes) -> float:
    """A stable position in [0, 100): the same key lands in the same place in every process."""
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") % 10_000 / 100


def choose_target(route: Route, request: Request) -> str:
    if route.mode != "canary" or route.candidate is None:
        return route.primary
    forced = request.header(FORCE_HEADER)
    if forced == b"candidate":
        return route.candidate
    if forced == b"primary":
        return route.primary
    return route.candidate if bucket(canary_key(request)) < route.canary_percent else route.primary
