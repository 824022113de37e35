"""The transactional outbox: events recorded in the same transaction as the change.

The relay (outbox-relay/, a process of its own) publishes the rows to RabbitMQ (ADR-0015,
ADR-0016).
"""

from shop_monolith.shared.outbox.tables import SLOTS, metadata, outbox, outbox_sequences
from shop_monolith.shared.outbox.writer import record

__all__ = ["SLOTS", "metadata", "outbox", "outbox_sequences", "record"]
