"""Just enough AMQP 0-9-1 to tell whether a broker URL works: open a connection to its vhost
with its user and password, then close it. The standard library only."""

import socket
import struct
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
METHOD_FRAME, FRAME_END = 1, 0xCE
START, START_OK, TUNE, TUNE_OK = (10, 10), (10, 11), (10, 30), (10, 31)
OPEN, OPEN_OK, CLOSE, CLOSE_OK = (10, 40), (10, 41), (10, 50), (10, 51)


class AmqpError(Exception):
    """The broker was not reached, or it refused the user, the password or the vhost."""


@dataclass(frozen=True)
class BrokerUrl:
    """`amqp://user:password@host:port/vhost` taken apart; the vhost of `.../` is `/`."""

    host: str
    port: int
    user: str
    password: str
    vhost: str

    @classmethod
    def parse(cls, url: str) -> "BrokerUrl":
        parts = urlsplit(url)
        path = unquote(parts.path[1:]) if parts.path not in ("", "/") else "/"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5672,
            user=unquote(parts.username or "guest"),
            password=unquote(parts.password or "guest"),
            vhost=path,
        )

    def with_vhost(self, vhost: str) -> "BrokerUrl":
        return replace(self, vhost=vhost)

    def __str__(self) -> str:
        login = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"amqp://{login}@{self.host}:{self.port}/{quote(self.vhost, safe='')}"


def is_listening(url: BrokerUrl, timeout: float = 1.0) -> bool:
    """Something accepts TCP connections at the URL's host and port."""
    try:
        socket.create_connection((url.host, url.port), timeout).close()
    except OSError:
        return False
    return True


def check_connection(url: BrokerUrl, timeout: float = 2.0) -> None:
    """Open an AMQP connection to `url`'s vhost and close it; AmqpError says why it failed."""
    try:
        with socket.create_connection((url.host, url.port), timeout) as connection:
            _handshake(connection, url)
    except OSError as error:
        raise AmqpError(f"{url.host}:{url.port}: {error}") from error


def _handshake(connection: socket.socket, url: BrokerUrl) -> None:
    connection.sendall(PROTOCOL_HEADER)
    _expect(connection, START)
    login = f"\0{url.user}\0{url.password}".encode()
    # Asks for a Connection.Close naming the reason, not a silent hang-up, when a login fails.
    flag = _short(b"authentication_failure_close") + b"t\x01"
    properties = _long(_short(b"capabilities") + b"F" + _long(flag))
    _send(connection, START_OK, properties + _short(b"PLAIN") + _long(login) + _short(b"en_US"))
    channel_max, frame_max, _ = struct.unpack(">HIH", _expect(connection, TUNE)[:8])
    _send(connection, TUNE_OK, struct.pack(">HIH", channel_max, frame_max, 0))
    _send(connection, OPEN, _short(url.vhost.encode()) + _short(b"") + b"\x00")
    _expect(connection, OPEN_OK)
    _send(connection, CLOSE, struct.pack(">H", 200) + _short(b"") + struct.pack(">HH", 0, 0))
    _expect(connection, CLOSE_OK)


def _expect(connection: socket.socket, method: tuple[int, int]) -> bytes:
    """The arguments of the next method frame, which must be `method`."""
    while True:
        kind, payload = _read_frame(connection)
        if kind == METHOD_FRAME:
            break  # anything else (a heartbeat) is skipped
    received, arguments = struct.unpack(">HH", payload[:4]), payload[4:]
    if received == CLOSE:
        (code,), text = struct.unpack(">H", arguments[:2]), arguments[3 : 3 + arguments[2]]
        raise AmqpError(f"the broker closed the connection: {code} {text.decode()}")
    if received != method:
        raise AmqpError(f"expected AMQP method {method}, got {received}")
    return arguments


def _read_frame(connection: socket.socket) -> tuple[int, bytes]:
    kind, _, size = struct.unpack(">BHI", _read(connection, 7))
    payload = _read(connection, size)
    if _read(connection, 1)[0] != FRAME_END:
        raise AmqpError("malformed AMQP frame")
    return kind, payload


def _read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise AmqpError("the broker hung up (is this an AMQP 0-9-1 port?)")
        data += chunk
    return data


def _send(connection: socket.socket, method: tuple[int, int], arguments: bytes) -> None:
    payload = struct.pack(">HH", *method) + arguments
    header = struct.pack(">BHI", METHOD_FRAME, 0, len(payload))
    connection.sendall(header + payload + bytes([FRAME_END]))


def _short(value: bytes) -> bytes:
    return struct.pack(">B", len(value)) + value


def _long(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value
