"""gunicorn's settings for the monolith's web process: its own refusals as problem details.

gunicorn answers a request it cannot parse (a malformed request line or header, a target or
header block past its limits) itself, before Flask sees it, with an HTML page. The shop
promises `application/problem+json` for every error it answers (ADR-0012), so this module,
loaded by `gunicorn --config python:shop_monolith.web.gunicorn_conf`, puts a writer of problem
details in place of gunicorn's `util.write_error`: same status, same reason, same closed
connection, a problem body.
"""

import json
import socket

from gunicorn import util

from shop_monolith.web.problems import PROBLEMS, TYPE_BASE

# The statuses gunicorn answers itself, and the problem each stands for.
GUNICORN_STATUSES = {
    400: "malformed-request",
    403: "forbidden",
    414: "uri-too-long",
    417: "expectation-failed",
    431: "headers-too-large",
    500: "internal-error",
    501: "not-implemented",
}


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    code = GUNICORN_STATUSES.get(status_int, "malformed-request")
    _status, title = PROBLEMS[code]
    body = json.dumps(
        {"type": TYPE_BASE + code, "title": title, "status": status_int, "detail": mesg}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_problem
