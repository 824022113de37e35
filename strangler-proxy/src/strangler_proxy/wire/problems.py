"""Problem details for errors the proxy itself makes; they say so in their type and a header."""

import json

from strangler_proxy.wire.responder import Refused, Responder

TYPE_BASE = "https://shop.example/problems/proxy/"
TITLES = {  # the problem a status stands for, unless a refusal names another
    400: ("bad-request", "The proxy refused a malformed request"),
    404: ("no-route", "No route matches this request"),
    408: ("request-timeout", "The request did not arrive in time"),
    413: ("payload-too-large", "The body is larger than the proxy accepts"),
    414: ("uri-too-long", "The request line is longer than the proxy accepts"),
    431: ("headers-too-large", "The request's headers are larger than the proxy accepts"),
    500: ("proxy-error", "The proxy failed"),
    502: ("bad-gateway", "The upstream could not be reached or broke the response"),
    503: ("circuit-open", "The upstream is failing; the proxy is not sending it traffic"),
    504: ("gateway-timeout", "The upstream did not answer in time"),
}
OTHER_TITLES = {
    "overloaded": "The proxy is serving as many connections as it accepts",
}


def send_problem(
    responder: Responder, status: int, detail: str, *, slug: str | None = None, **extra: object
) -> None:
    default_slug, title = TITLES[status]
    if slug is not None:
        title = OTHER_TITLES[slug]
    body = {
        "type": TYPE_BASE + (slug or default_slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": responder.request.path.decode("ascii", "replace"),
        **extra,
    }
    headers = [(b"Content-Type", b"application/problem+json"), (b"X-Strangler-Error", b"proxy")]
    responder.simple(status, headers, json.dumps(body).encode())


def send_refusal(responder: Responder, refused: Refused) -> None:
    send_problem(responder, refused.status, refused.detail, slug=refused.slug)
