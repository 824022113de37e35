"""Raw HTTP/1.1 over one socket: for what no client library sends, and to see every byte back."""

import json
import socket
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from strangler_proxy.messages import REASONS

PROBLEM_BASE = "https://shop.example/problems/proxy/"


@dataclass
class Answer:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> bytes | None:
        wanted = name.lower().encode()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body)


class Wire:
    """One client connection; answers are read one at a time, pipelined or not."""

    def __init__(self, port: int, *, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"the connection closed; unparsed: {self.buffer[:200]!r}")
        self.buffer += chunk

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def answer(self, *, head_only: bool = False) -> Answer:
        """The next answer; `head_only` for the answer to a HEAD request (it has no body)."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.split(b"\r\n")
        _, status, reason = (status_line + b" ").split(b" ", 2)
        headers = [tuple(line.split(b": ", 1)) for line in lines]
        answer = Answer(int(status), reason[:-1], headers, b"")  # type: ignore[arg-type]
        if head_only or answer.status in (204, 304) or 100 <= answer.status < 200:
            return answer
        if (answer.header("transfer-encoding") or b"").lower() == b"chunked":
            while size := int(self._line().split(b";")[0], 16):
                answer.body += self._take(size)
                self._take(2)
            self._take(2)
        elif (length := answer.header("content-length")) is not None:
            answer.body = self._take(int(length))
        else:
            answer.body = self.rest()
        return answer

    def rest(self) -> bytes:
        """Everything until the proxy closes the connection."""
        try:
            while True:
                self._fill()
        except (EOFError, ConnectionResetError):
            pass
        rest, self.buffer = self.buffer, b""
        return rest

    def closed(self, within: float = 3.0) -> bool:
        """True if the proxy ends the connection within `within` seconds, sending nothing more."""
        self.sock.settimeout(within)
        try:
            return self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


def assert_problem(answer: Answer, status: int, slug: str) -> None:
    """The proxy's own problem answer, with the standard reason phrase of its status."""
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.reason == REASONS[status]
    assert answer.header("content-type") == b"application/problem+json"
    assert answer.header("x-strangler-error") == b"proxy"
    assert answer.json()["type"] == PROBLEM_BASE + slug
    assert answer.json()["status"] == status
