"""The 64 slots the writer spreads aggregates over, and each relay's fair share of them."""

from collections.abc import Sequence

SLOT_COUNT = 64  # zlib.crc32(aggregate_id.encode()) % 64, computed by the writer


def fair_share(relay_id: str, live_relays: Sequence[str]) -> int:
    """Slots this relay should hold: 64 split evenly, the first relays by id one more."""
    ranked = sorted({*live_relays, relay_id})
    base, extra = divmod(SLOT_COUNT, len(ranked))
    return base + (1 if ranked.index(relay_id) < extra else 0)


def rotated(slots: Sequence[int], turn: int) -> list[int]:
    """The slots starting at a different one each turn, so no slot waits behind the others."""
    if not slots:
        return []
    start = turn % len(slots)
    return [*slots[start:], *slots[:start]]
