"""The request body limit, enforced as the bytes arrive and answered with a closed connection.

Flask checks a declared Content-Length against MAX_CONTENT_LENGTH before reading anything. A
chunked body declares no length: Werkzeug would stop reading at the limit and hand the view a
truncated body, so here the stream itself refuses to go past the limit. Either way the rest of
the body stays unread, and the connection is closed after the 413 instead of draining it (a
client could declare gigabytes and send nothing, holding a server thread while it waits).
"""

from collections.abc import Iterable
from typing import IO, Any

from werkzeug.exceptions import RequestEntityTooLarge

# WSGI's types, kept loose: the environ and start_response are the server's.
Environ = dict[str, Any]
StartResponse = Any
WsgiApp = Any


class LimitedInput:
    """A request body stream that raises 413 once more than `limit` bytes were read."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream, self._left = stream, limit

    def read(self, size: int = -1) -> bytes:
        return self._checked(self._stream.read(self._wanted(size)))

    def readline(self, size: int = -1) -> bytes:
        return self._checked(self._stream.readline(self._wanted(size)))

    def _wanted(self, size: int | None) -> int:
        # A read that could reach the limit asks for one byte more: getting it proves the body
        # too large. (Werkzeug reads up to the limit exactly and would take that as the end.)
        return size if size is not None and 0 <= size < self._left else self._left + 1

    def _checked(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise RequestEntityTooLarge()
        return data

    def __iter__(self) -> "LimitedInput":
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class BodyLimit:
    """WSGI middleware: chunked bodies limited as they stream; the connection closed on 413."""

    def __init__(self, app: WsgiApp, limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and "wsgi.input" in environ:
            environ["wsgi.input"] = LimitedInput(environ["wsgi.input"], self.limit)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("413"):
                headers = [(k, v) for k, v in headers if k.lower() != "connection"]
                headers.append(("Connection", "close"))
                _close_after_response(start_response)
            return start_response(status, headers, exc_info)

        result: Iterable[bytes] = self.app(environ, start)
        return result


def _close_after_response(start_response: StartResponse) -> None:
    """Make the server close the connection after this response.

    Gunicorn drops an application's `Connection` header (it is hop-by-hop) and would drain the
    unread body to keep the connection alive; its response object, whose bound method
    `start_response` is, can be told to close instead. Other servers honour the header.
    """
    server_response = getattr(start_response, "__self__", None)
    force_close = getattr(server_response, "force_close", None)
    if callable(force_close):
        force_close()
