"""How long a client connection may take, and how it ends (ADR-0011).

One deadline per connection (deadline.Deadline) stands for whichever limit applies now: the head
or the body arriving, an idle kept-alive connection, or a client taking its answer. `Lifetime`
moves it as the connection changes phase, decides what its passing means (408, a quiet close, a
reset), answers refusals and lingers after them, and writes to the client. ServerProtocol
inherits it."""

import asyncio
import socket
import struct
from collections.abc import Callable

import structlog
from mypy_extensions import trait

from strangler_proxy.messages import Request
from strangler_proxy.settings import Limits
from strangler_proxy.wire.deadline import Deadline
from strangler_proxy.wire.head import HEAD, IDLE
from strangler_proxy.wire.responder import Refused, Responder

log = structlog.get_logger(__name__)
# After a refusal the answer goes out, then what the client still sends is read and dropped
# this long: closing with unread input would reset the connection and could lose the answer.
LINGER_SECONDS = 2.0


@trait  # a mixin of ServerProtocol, like head.HeadLimits
class Lifetime:
    limits: Limits
    on_refused: Callable[[Responder, Refused], None]
    closing: bool  # shutting down: the answer under way is the last one
    transport: asyncio.Transport | None
    writable: asyncio.Event
    deadline: Deadline
    client: str
    busy: bool  # answering requests (ServerProtocol._serve is not idle)
    _url: bytes
    _phase: int
    _refusal: Refused | None  # waits for the answers to the requests before it
    _lingering: bool
    _client_done: bool  # the client half-closed: close once its answers are out
    _lost: bool

    def _after_answers(self) -> None:
        transport, limits = self.transport, self.limits
        if transport is None or self._lost:
            return
        if self._refusal is not None and not transport.is_closing():
            refusal, self._refusal = self._refusal, None
            self._answer(refusal)
        elif self._client_done or transport.is_closing():
            self._close()
        elif not self.writable.is_set():
            self.deadline.set(limits.send_timeout_seconds)  # the client must take its answer
        else:
            transport.resume_reading()  # a no-op unless reading was paused
            self.deadline.set(
                limits.keepalive_timeout_seconds
                if self._phase == IDLE
                else limits.client_header_timeout_seconds
                if self._phase == HEAD
                else limits.client_body_timeout_seconds
            )

    def _refuse(self, refused: Refused) -> None:
        if self.busy:
            self._refusal = refused  # the answers to the requests before it go first
        else:
            self._answer(refused)

    def _answer(self, refused: Refused) -> None:
        """Answer a refusal, then linger: stop reading requests, drop input, close soon."""
        target = self._url if self._phase != IDLE and len(self._url) <= 1024 else b"/"
        request = Request(
            method=b"GET", target=target, headers=[], client=self.client, keep_alive=False
        )
        self.on_refused(Responder(self, request), refused)
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self._lingering = True
        if transport.can_write_eof():
            transport.write_eof()  # the answer, then end of stream: the client reads it whole
        self.deadline.set(LINGER_SECONDS)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self._lingering:
            self.transport.write(data)

    def pause_writing(self) -> None:
        self.writable.clear()
        self.deadline.set(self.limits.send_timeout_seconds)

    def resume_writing(self) -> None:
        self.writable.set()

    def _time_is_up(self) -> None:
        """The connection's deadline has passed: what that means depends on where it is."""
        transport = self.transport
        if transport is None or self._lost:
            return
        if transport.is_closing() or not self.writable.is_set():
            # the client takes nothing of what it was sent, or not the end of it
            log.info("client_not_reading", client=self.client)
            self._reset(transport)
        elif self.busy:
            return  # answering: the upstream's timeout bounds it
        elif self._lingering or self._phase == IDLE:
            self._close()  # lingered, or kept alive long enough (or never sent anything)
        else:
            self._answer(Refused(408, "The request did not arrive in time."))

    def _close(self) -> None:
        """Close once the last bytes are out; a client that takes none of them is reset then."""
        if self.transport is not None and not self._lost:
            self.transport.close()
            self.deadline.set(self.limits.send_timeout_seconds)

    @staticmethod
    def _reset(transport: asyncio.Transport) -> None:
        """Close at once with a reset: what is still queued for the client is dropped too."""
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
