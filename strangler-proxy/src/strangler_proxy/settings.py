"""The `[settings]` of a routing table: edge limits, the breaker policy and the shadow's budget.

Keys are flat in the file (`max_header_bytes = 32768`) and grouped here by who reads them.
Defaults follow nginx where nginx has the same knob. They are read when the proxy starts."""

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What the server accepts from a client, and how long it waits for it."""

    max_body_bytes: int = 1024 * 1024  # nginx client_max_body_size (1m) -> 413
    max_request_line_bytes: int = 8 * 1024  # one large_client_header_buffers buffer -> 414
    max_header_bytes: int = 32 * 1024  # the whole head (4 x 8k buffers) -> 431
    max_header_field_bytes: int = 8 * 1024  # one header line, name to CRLF -> 431
    max_header_count: int = 100  # gunicorn's limit_request_fields -> 431
    client_header_timeout_seconds: float = 60.0  # for the whole head -> 408
    client_body_timeout_seconds: float = 60.0  # between two reads of the body -> 408
    keepalive_timeout_seconds: float = 75.0  # an idle kept-alive connection is closed
    send_timeout_seconds: float = 60.0  # a client that reads nothing of its answer this long
    max_client_connections: int = 1024  # beyond it a new connection gets a 503 and is closed


@dataclass(frozen=True)
class BreakerPolicy:
    """When an upstream's circuit opens: a failure rate over a minimum volume in a window."""

    breaker_failure_rate: float = 0.5
    breaker_min_requests: int = 20
    breaker_window_seconds: float = 10.0
    breaker_open_seconds: float = 10.0  # then one probe request at a time (half-open)


@dataclass(frozen=True)
class ShadowBudget:
    shadow_max_in_flight: int = 32
    shadow_body_cap_bytes: int = 256 * 1024
    shadow_timeout_seconds: float = 5.0
    shadow_noise_threshold: float = 0.05
    shadow_noise_sample: float = 0.1


@dataclass(frozen=True)
class Settings:
    limits: Limits = field(default_factory=Limits)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    shadow: ShadowBudget = field(default_factory=ShadowBudget)


GROUPS: tuple[type[Any], ...] = (Limits, BreakerPolicy, ShadowBudget)
FRACTIONS = frozenset({"breaker_failure_rate", "shadow_noise_threshold", "shadow_noise_sample"})
MAY_BE_ZERO = frozenset({"shadow_noise_threshold", "shadow_noise_sample"})


def _value(name: str, kind: type[int] | type[float], raw: object) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"settings.{name} must be a number, got {raw!r}")
    if kind is int and not (isinstance(raw, int) or raw.is_integer()):
        raise ValueError(f"settings.{name} must be a whole number, got {raw!r}")
    value: int | float = int(raw) if kind is int else float(raw)
    if value < 0 or (value == 0 and name not in MAY_BE_ZERO):
        raise ValueError(f"settings.{name} must be greater than 0, got {raw!r}")
    if name in FRACTIONS and value > 1:
        raise ValueError(f"settings.{name} is a fraction between 0 and 1, got {raw!r}")
    return value


def _kind(default: object) -> type[int] | type[float]:
    return int if isinstance(default, int) else float


# Every setting: its group, and whether it is a whole number (an int default) or any number.
KNOWN = {f.name: (group, _kind(f.default)) for group in GROUPS for f in fields(group)}


def parse_settings(raw: dict[str, object]) -> Settings:
    """The settings from the file's table; an unknown key or a bad value is a ValueError."""
    unknown = sorted(set(raw) - set(KNOWN))
    if unknown:
        raise ValueError(
            f"unknown settings {', '.join(unknown)}; known: {', '.join(sorted(KNOWN))}"
        )
    chosen: dict[type[Any], dict[str, Any]] = {group: {} for group in GROUPS}
    for name, value in raw.items():
        group, kind = KNOWN[name]
        chosen[group][name] = _value(name, kind, value)  # a number of the field's kind
    return Settings(
        limits=Limits(**chosen[Limits]),
        breaker=BreakerPolicy(**chosen[BreakerPolicy]),
        shadow=ShadowBudget(**chosen[ShadowBudget]),
    )
