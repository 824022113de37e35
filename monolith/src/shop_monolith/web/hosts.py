"""Which Host a request may name: HTTP/1.1 requires one, and only trusted ones are served.

Flask refuses an untrusted Host (TRUSTED_HOSTS, from settings) with 400 when it routes the
request; this adds the rule of RFC 9112 section 3.2 that an HTTP/1.1 request without a Host
header is refused too, rather than answered as if it named the server's own address.
"""

from flask import Flask, request
from werkzeug.exceptions import BadRequest


def init_app(app: Flask) -> None:
    app.before_request(_require_host)


def _require_host() -> None:
    if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and not request.headers.get("Host"):
        raise BadRequest("An HTTP/1.1 request must name its Host.")
