"""The one place that turns settings into a store, a publisher and the relay's policy."""

from dataclasses import dataclass

from outbox_relay.adapters import probes
from outbox_relay.adapters.broker.publisher import KombuPublisher
from outbox_relay.adapters.postgres.store import PostgresOutboxStore
from outbox_relay.adapters.sqlite.store import SqliteOutboxStore
from outbox_relay.database_url import is_sqlite
from outbox_relay.service_layer.batches import RelayPolicy
from outbox_relay.service_layer.leases import LeaseKeeper
from outbox_relay.service_layer.ports import AbstractOutboxStore, AbstractPublisher
from outbox_relay.service_layer.relay import BatchPipeline
from outbox_relay.settings import RelaySettings


@dataclass
class Relay:
    settings: RelaySettings
    store: AbstractOutboxStore
    publisher: AbstractPublisher
    leases: LeaseKeeper
    policy: RelayPolicy
    pipeline: BatchPipeline

    def problems(self) -> dict[str, str | None]:
        """What keeps the relay from working right now (readiness), by dependency."""
        return {
            "database": probes.database_problem(
                self.settings.database_url, self.settings.schema_name
            ),
            "broker": probes.broker_problem(self.settings.broker_url),
        }


def make_store(settings: RelaySettings) -> AbstractOutboxStore:
    if is_sqlite(settings.database_url):
        return SqliteOutboxStore(settings.database_url)
    return PostgresOutboxStore(settings.database_url, settings.schema_name)


def bootstrap(
    settings: RelaySettings,
    store: AbstractOutboxStore | None = None,
    publisher: AbstractPublisher | None = None,
) -> Relay:
    store = store or make_store(settings)
    publisher = publisher or KombuPublisher(
        settings.broker_url, confirm_timeout=settings.confirm_timeout_seconds
    )
    policy = RelayPolicy(
        batch_size=settings.batch_size,
        max_body_bytes=settings.max_body_bytes,
        max_attempts=settings.max_attempts,
        depth=settings.pipeline_depth,
    )
    return Relay(
        settings=settings,
        store=store,
        publisher=publisher,
        leases=LeaseKeeper(store, settings.relay_id, settings.lease_ttl_seconds),
        policy=policy,
        pipeline=BatchPipeline(store, publisher, policy),
    )
