"""A nameko 2.14 service that handles the shop's events, run as a subprocess by
test_events_end_to_end.py (eventlet's monkey patching stays out of the pytest process). Each
event it handles is appended to a file as a JSON line: the body, the handler's source and type,
and the trace context nameko put in the worker's context data.

    python nameko_shop_listener.py SERVICE OUTPUT_FILE AMQP_URI SOURCE:TYPE [SOURCE:TYPE ...]
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402 (after the monkey patching, as eventlet requires)
import signal  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from nameko.contextdata import ContextDataProvider  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402


class Traceparent(ContextDataProvider):
    """nameko strips the `nameko.` prefix of message headers into the worker's context."""

    context_key = "traceparent"


def handler(source: str, event_type: str, output: str) -> Callable[..., None]:
    def handle(self: Any, body: dict[str, Any]) -> None:
        record = {"source": source, "type": event_type, "body": body, "trace": self.traceparent}
        with open(output, "a", encoding="utf-8") as handled:
            handled.write(json.dumps(record) + "\n")

    return event_handler(source, event_type)(handle)


def listener(service: str, output: str, events: list[tuple[str, str]]) -> type:
    members: dict[str, Any] = {"name": service, "traceparent": Traceparent()}
    for source, event_type in events:
        members[f"on_{source}_{event_type}"] = handler(source, event_type, output)
    return type("ShopListener", (), members)


def main() -> None:
    service, output, amqp_uri, *pairs = sys.argv[1:]
    events = [(pair.split(":")[0], pair.split(":")[1]) for pair in pairs]
    runner = ServiceRunner(config={"AMQP_URI": amqp_uri})
    runner.add_service(listener(service, output, events))
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))
    runner.start()
    runner.wait()


if __name__ == "__main__":
    main()
