"""The routing table: upstreams and ordered route rules, read from a TOML file per step."""

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from strangler_proxy.settings import Settings, parse_settings

MODES = ("route", "shadow", "canary")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Requests that may be sent again without doing anything twice (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_ENV = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")
TABLE_KEYS = frozenset({"upstreams", "routes", "settings"})
UPSTREAM_KEYS = frozenset({"url", "timeout", "max_connections"})
ROUTE_KEYS = frozenset(
    {
        "name",
        "path",
        "methods",
        "mode",
        "primary",
        "candidate",
        "canary_percent",
        "fallback",
        "shadow_methods",
        "shadow_ignore",
        "shadow_unsafe",
        "shadow_recheck_ms",
    }
)


class ConfigError(ValueError):
    """The routing table is invalid; the message says where and why."""


@dataclass(frozen=True)
class Upstream:
    name: str
    url: str
    host: str
    port: int
    timeout: float = 10.0
    max_connections: int = 128


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    methods: frozenset[str] | None  # None: every method
    mode: str
    primary: str
    candidate: str | None = None
    canary_percent: float = 0.0
    fallback: bool = False
    shadow_methods: frozenset[str] = SAFE_METHODS
    shadow_ignore: tuple[str, ...] = ()  # field globs never compared, e.g. "*.created_at"
    shadow_unsafe: bool = False  # explicitly allows unsafe methods in shadow_methods
    # A difference is checked again after this long, both sides asked anew: one that has gone
    # by then was a replica's lag, not a mismatch (0: no second look; ADR-0009, ADR-0018).
    shadow_recheck_ms: int = 0


@dataclass(frozen=True)
class RoutingTable:
    upstreams: dict[str, Upstream]
    routes: tuple[Route, ...]
    source: str = ""
    settings: Settings = field(default_factory=Settings)


def _expand(value: str, env: dict[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set")

    return _ENV.sub(replace, value)


def _table(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table, got {value!r}")
    return value


def _known_keys(raw: dict[str, object], known: frozenset[str], where: str) -> None:
    """A misspelt key would otherwise be ignored, and its default silently used."""
    unknown = sorted(set(raw) - known)
    if unknown:
        listed = ", ".join(map(repr, unknown))
        raise ConfigError(f"{where}: unknown key {listed}; known: {', '.join(sorted(known))}")


def _flag(raw: dict[str, object], key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def _number(raw: dict[str, object], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            pass
    raise ConfigError(f"{where}: {key} must be a number, got {value!r}")


def _whole(raw: dict[str, object], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return int(value)
        except (ValueError, OverflowError):
            pass
    raise ConfigError(f"{where}: {key} must be a whole number, got {value!r}")


def _strings(raw: dict[str, object], key: str, default: list[str], where: str) -> list[str]:
    value = raw.get(key, default)
    if not isinstance(value, list):
        raise ConfigError(f"{where}: {key} must be a list of strings, got {value!r}")
    return [str(item) for item in value]


def _upstream(name: str, raw: dict[str, object], env: dict[str, str]) -> Upstream:
    where = f"upstream {name}"
    _known_keys(raw, UPSTREAM_KEYS, where)
    url = _expand(str(raw.get("url", "")), env, where)
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"upstream {name}: url must be http://host:port, got {url!r}")
    return Upstream(
        name=name,
        url=url,
        host=parts.hostname,
        port=parts.port or 80,
        timeout=_number(raw, "timeout", 10.0, where),
        max_connections=_whole(raw, "max_connections", 128, where),
    )


def _route(n: int, raw: dict[str, object], upstreams: dict[str, Upstream]) -> Route:
    name = str(raw.get("name", f"route-{n}"))
    _known_keys(raw, ROUTE_KEYS, f"route {name}")
    mode = str(raw.get("mode", "route"))
    if mode not in MODES:
        raise ConfigError(f"route {name}: mode must be one of {', '.join(MODES)}")
    primary, candidate = raw.get("primary"), raw.get("candidate")
    for role, target in (("primary", primary), ("candidate", candidate)):
        if target is not None and target not in upstreams:
            raise ConfigError(f"route {name}: {role} {target!r} is not a configured upstream")
    if primary is None:
        raise ConfigError(f"route {name}: primary is required")
    if mode != "route" and candidate is None:
        raise ConfigError(f"route {name}: mode {mode} needs a candidate")
    percent = _number(raw, "canary_percent", 0.0, f"route {name}")
    if not 0.0 <= percent <= 100.0:
        raise ConfigError(f"route {name}: canary_percent must be between 0 and 100")
    path = str(raw.get("path", ""))
    if not path.startswith("/"):
        raise ConfigError(f"route {name}: path must start with /")
    if "methods" in raw and not _strings(raw, "methods", [], f"route {name}"):
        raise ConfigError(f"route {name}: methods is empty; leave it out to match every method")
    methods = _strings(raw, "methods", [], f"route {name}")
    recheck = _number(raw, "shadow_recheck_ms", 0.0, f"route {name}")
    if recheck != int(recheck) or not 0 <= recheck <= 10_000:
        raise ConfigError(f"route {name}: shadow_recheck_ms must be a whole number, 0 to 10000")
    return Route(
        name=name,
        path=path,
        methods=frozenset(m.upper() for m in methods) if methods else None,
        mode=mode,
        primary=str(primary),
        candidate=str(candidate) if candidate is not None else None,
        canary_percent=percent,
        fallback=_flag(raw, "fallback", f"route {name}"),
        shadow_methods=_shadow_methods(name, raw),
        shadow_ignore=tuple(_strings(raw, "shadow_ignore", [], f"route {name}")),
        shadow_unsafe=_flag(raw, "shadow_unsafe", f"route {name}"),
        shadow_recheck_ms=int(recheck),
    )


def _shadow_methods(name: str, raw: dict[str, object]) -> frozenset[str]:
    listed = _strings(raw, "shadow_methods", sorted(SAFE_METHODS), f"route {name}")
    methods = frozenset(m.upper() for m in listed)
    unsafe = methods - SAFE_METHODS
    if unsafe and not _flag(raw, "shadow_unsafe", f"route {name}"):
        raise ConfigError(
            f"route {name}: shadowing {', '.join(sorted(unsafe))} would do writes twice; "
            "set shadow_unsafe = true only if the candidate writes nowhere the primary reads"
        )
    return methods


def parse(text: str, *, env: dict[str, str] | None = None, source: str = "") -> RoutingTable:
    env = dict(os.environ) if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source or 'routing table'}: {error}") from error
    _known_keys(data, TABLE_KEYS, source or "routing table")
    upstreams = {
        name: _upstream(name, _table(raw, f"upstream {name}"), env)
        for name, raw in _table(data.get("upstreams", {}), "upstreams").items()
    }
    if not upstreams:
        raise ConfigError("the routing table names no upstreams")
    listed = data.get("routes", [])
    if not isinstance(listed, list):
        raise ConfigError(f"routes must be an array of tables ([[routes]]), got {listed!r}")
    routes = tuple(_route(n, _table(raw, f"route {n}"), upstreams) for n, raw in enumerate(listed))
    if not routes:
        raise ConfigError("the routing table has no routes")
    names = [route.name for route in routes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"route names must be unique: {', '.join(repeated)} repeated")
    try:
        settings = parse_settings(_table(data.get("settings", {}), "settings"))
    except ValueError as error:  # ConfigError included
        raise ConfigError(f"{source or 'routing table'}: {error}") from error
    return RoutingTable(upstreams, routes, source, settings)


def load(path: Path | str, *, env: dict[str, str] | None = None) -> RoutingTable:
    return parse(Path(path).read_text(), env=env, source=str(path))


EDITABLE = frozenset({"mode", "primary", "candidate", "canary_percent", "fallback"})


def with_route_changed(table: RoutingTable, name: str, changes: dict[str, object]) -> RoutingTable:
    """A new table with one route changed at runtime (admin API); validated like the file."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ConfigError(
            f"cannot change {', '.join(sorted(unknown))}; editable: {sorted(EDITABLE)}"
        )
    for index, route in enumerate(table.routes):
        if route.name == name:
            raw: dict[str, object] = {
                "name": route.name,
                "path": route.path,
                "mode": route.mode,
                "primary": route.primary,
                "candidate": route.candidate,
                "canary_percent": route.canary_percent,
                "fallback": route.fallback,
                "shadow_methods": sorted(route.shadow_methods),
                "shadow_ignore": list(route.shadow_ignore),
                "shadow_unsafe": route.shadow_unsafe,
                "shadow_recheck_ms": route.shadow_recheck_ms,
            }
            if route.methods is not None:
                raw["methods"] = sorted(route.methods)
            raw.update(changes)
            raw = {key: value for key, value in raw.items() if value is not None}
            changed = _route(index, raw, table.upstreams)
            routes = (*table.routes[:index], changed, *table.routes[index + 1 :])
            return RoutingTable(table.upstreams, routes, table.source, table.settings)
    raise ConfigError(f"no route named {name!r}")
