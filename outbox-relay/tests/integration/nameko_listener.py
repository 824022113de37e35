"""A nameko 2.14 service with an @event_handler on a test source, run as a subprocess by the
end-to-end test (eventlet's monkey patching stays out of the pytest process). Each event it
handles is appended to a file as a JSON line, with the trace context nameko saw.

    python nameko_listener.py SERVICE_NAME SOURCE OUTPUT_FILE AMQP_URI
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402 (after the monkey patching, as eventlet requires)
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.contextdata import ContextDataProvider  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402


class Traceparent(ContextDataProvider):
    """nameko strips the `nameko.` prefix of message headers into the worker's context."""

    context_key = "traceparent"


def listener(service: str, source: str, output: str) -> type:
    class Listener:
        name = service
        traceparent = Traceparent()

        @event_handler(source, "thing.happened")
        def on_thing_happened(self, payload: dict[str, object]) -> None:
            with open(output, "a") as handled:
                handled.write(json.dumps({"payload": payload, "traceparent": self.traceparent}))
                handled.write("\n")

    return Listener


def main() -> None:
    service, source, output, amqp_uri = sys.argv[1:5]
    runner = ServiceRunner(config={"AMQP_URI": amqp_uri})
    runner.add_service(listener(service, source, output))
    # Stop from a green thread: the handler itself may run inside eventlet's hub.
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))
    runner.start()
    runner.wait()


if __name__ == "__main__":
    main()
