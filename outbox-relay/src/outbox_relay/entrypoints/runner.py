"""The relay loop: keep the leases, publish batch after batch, wait for new rows, stop cleanly."""

import time
from typing import Any

import structlog

from outbox_relay.bootstrap import Relay
from outbox_relay.domain.slots import rotated
from outbox_relay.entrypoints.backoff import Backoff
from outbox_relay.entrypoints.metrics import RelayMetrics
from outbox_relay.entrypoints.reporting import report, report_leases
from outbox_relay.service_layer.ports import BrokerUnavailable, StoreUnavailable

log = structlog.get_logger("outbox_relay")
WAIT_SLICE_SECONDS = 0.25  # how soon a wait notices a stop request or a due renewal


class Runner:
    def __init__(self, relay: Relay, metrics: RelayMetrics) -> None:
        self.relay = relay
        self.metrics = metrics
        self.last_tick = time.monotonic()
        self._stopping = False
        self._turn = 0
        self._next_prune = time.monotonic() + relay.settings.prune_interval_seconds

    def stop(self, *_: Any) -> None:
        """Ask the loop to end after the batch in flight (safe from a signal handler)."""
        self._stopping = True

    def prepare(self) -> bool:
        """Check the tables, retrying while the database is unreachable; False if stopped."""
        backoff = Backoff()
        while not self._stopping:
            try:
                for note in self.relay.store.prepare():
                    log.warning("store", note=note)
                return True
            except StoreUnavailable as error:
                delay = backoff.delay()
                log.warning("unavailable", dependency="database", error=str(error), retry_in=delay)
                self._pause(delay)
        return False

    def run(self) -> None:
        backoff = Backoff()
        try:
            while not self._stopping:
                self.last_tick = time.monotonic()
                try:
                    self._once()
                    backoff.reset()
                except (StoreUnavailable, BrokerUnavailable) as error:
                    self.relay.pipeline.abandon()
                    dependency = "database" if isinstance(error, StoreUnavailable) else "broker"
                    self.metrics.errors.labels(dependency).inc()
                    delay = backoff.delay()
                    log.warning(
                        "unavailable", dependency=dependency, error=str(error), retry_in=delay
                    )
                    self._pause(delay)
        finally:
            self._shut_down()

    def _once(self) -> None:
        relay, settings = self.relay, self.relay.settings
        prune = time.monotonic() >= self._next_prune
        if relay.leases.due() or prune:
            # Slots may change hands, and the store is this thread's: nothing on its way.
            report(relay.pipeline.drain(), self.metrics)
            if relay.leases.due():
                self._renew()
            if prune and relay.leases.slots():
                self.metrics.pruned.inc(
                    relay.store.prune(relay.leases.slots(), settings.retention_seconds)
                )
                self._next_prune = time.monotonic() + settings.prune_interval_seconds
        slots = relay.leases.slots()
        if not slots:
            report(relay.pipeline.drain(), self.metrics)
            self._pause(max(relay.leases.seconds_to_renewal(), 0.05))
            return
        if relay.pipeline.idle:
            # A new connection only with nothing on its way, so that no batch overtakes an
            # earlier one lost with the old connection: that one must go out again first.
            relay.publisher.connect(timeout=min(settings.lease_ttl_seconds / 3, 5.0))
        report(relay.pipeline.step(rotated(slots, self._turn)), self.metrics)
        self._turn += 1
        if relay.pipeline.caught_up:
            self._wait_for_rows()

    def _renew(self) -> None:
        change = self.relay.leases.renew()
        report_leases(
            change, len(self.relay.leases.slots()), self.relay.store.backlog(), self.metrics
        )

    def _wait_for_rows(self) -> None:
        deadline = time.monotonic() + self.relay.settings.poll_interval_seconds
        while not self._stopping and not self.relay.leases.due():
            remaining = min(deadline - time.monotonic(), self.relay.leases.seconds_to_renewal())
            if remaining <= 0 or self.relay.store.wait_for_rows(min(remaining, WAIT_SLICE_SECONDS)):
                return

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, WAIT_SLICE_SECONDS))

    def _shut_down(self) -> None:
        try:
            report(self.relay.pipeline.drain(), self.metrics)
        except (StoreUnavailable, BrokerUnavailable) as error:
            log.warning("batches in flight not written back: they go out again", error=str(error))
        try:
            self.relay.leases.release_all()
        except StoreUnavailable as error:
            log.warning("leases not released: they expire by themselves", error=str(error))
        self.relay.pipeline.close()
        self.relay.store.close()
        self.relay.publisher.close()
        log.info("stopped", relay_id=self.relay.settings.relay_id)
