"""The HTTP listener: /healthz (the loop is alive), /readyz (database and broker reachable),
/metrics (Prometheus). It runs in its own thread and shares nothing with the loop but
read-only callables."""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Check = Callable[[], tuple[bool, dict[str, object]]]


def serve(
    host: str, port: int, registry: CollectorRegistry, health: Check, ready: Check
) -> ThreadingHTTPServer:
    """Start listening (port 0: any free one, see server_address) in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/readyz"):
                ok, detail = (health if path == "/healthz" else ready)()
                body = json.dumps({"status": "ok" if ok else "failing", **detail}).encode()
                self._answer(200 if ok else 503, body, "application/json")
            else:
                self._answer(404, b'{"status": "not found"}', "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Probes every few seconds are not worth a log line each."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="outbox-relay-http", daemon=True).start()
    return server
