"""`outbox-relay run`: logs, the HTTP listener, signals, then the relay loop until stopped."""

import signal
import sys
import time

import structlog

from outbox_relay.bootstrap import Relay, bootstrap
from outbox_relay.entrypoints import http, logs
from outbox_relay.entrypoints.metrics import RelayMetrics
from outbox_relay.entrypoints.runner import Runner
from outbox_relay.settings import RelaySettings

log = structlog.get_logger("outbox_relay")


def run(settings: RelaySettings, relay: Relay | None = None) -> int:
    """Run until SIGTERM or SIGINT; the exit status (0: stopped as asked)."""
    logs.configure(settings.log_level)
    relay = relay or bootstrap(settings)
    metrics = RelayMetrics()
    runner = Runner(relay, metrics)
    # Healthy while the loop turns; a batch may take up to the confirm timeout.
    stalled_after = settings.confirm_timeout_seconds + settings.lease_ttl_seconds

    def health() -> tuple[bool, dict[str, object]]:
        age = time.monotonic() - runner.last_tick
        return age < stalled_after, {"relay_id": settings.relay_id, "loop_age_seconds": age}

    def ready() -> tuple[bool, dict[str, object]]:
        problems = relay.problems()
        return not any(problems.values()), {k: v or "ok" for k, v in problems.items()}

    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    if not runner.prepare():
        return 0
    server = http.serve(settings.http_host, settings.http_port, metrics.registry, health, ready)
    host, port = server.server_address[:2]
    print(f"outbox-relay listening on http://{host!s}:{port}", flush=True)
    log.info(
        "started",
        relay_id=settings.relay_id,
        http_port=port,
        batch_size=settings.batch_size,
        lease_ttl_seconds=settings.lease_ttl_seconds,
    )
    try:
        runner.run()
    finally:
        server.shutdown()
    sys.stdout.flush()
    return 0
