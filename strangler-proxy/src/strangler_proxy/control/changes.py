"""Changing the routing table while the proxy runs: reloads and admin edits, each audited."""

import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import structlog

from strangler_proxy.policy.proxy import Proxy
from strangler_proxy.policy.table import ConfigError, RoutingTable, load, with_route_changed

log = structlog.get_logger(__name__)


class Control:
    def __init__(self, proxy: Proxy, routes_file: Path, audit_file: Path | None) -> None:
        self.proxy, self.routes_file, self.audit_file = proxy, routes_file, audit_file
        self.loaded_at = time.time()
        self.file_mtime = self._mtime()
        self.draining = False
        self.settings = proxy.table.settings  # in force until the next start

    def _mtime(self) -> float:
        try:
            return os.stat(self.routes_file).st_mtime
        except OSError:
            return 0.0

    def reload(self, actor: str) -> tuple[bool, str]:
        """Read the routing table file again; an invalid file leaves the running table as is."""
        self.file_mtime = self._mtime()
        try:
            table = load(self.routes_file)
        except (ConfigError, OSError) as error:
            self.audit(actor, "reload-refused", {"error": str(error)})
            log.error("reload_refused", error=str(error))
            return False, str(error)
        before = routes_of(self.proxy.table)
        settings_changed = table.settings != self.settings
        self.proxy.swap(table)
        self.loaded_at = time.time()
        self.audit(actor, "reload", {"before": before, "after": routes_of(table)})
        message = f"{len(table.routes)} routes loaded from {self.routes_file}"
        if settings_changed:
            log.warning("settings_changed", detail="[settings] take effect at the next start")
            message += "; the file's [settings] differ and take effect at the next start"
        return True, message

    def reload_if_changed(self) -> None:
        if self._mtime() != self.file_mtime:
            self.reload("file-watch")

    def change_route(self, name: str, changes: dict[str, Any], actor: str) -> dict[str, Any]:
        table = with_route_changed(self.proxy.table, name, changes)  # raises ConfigError
        before = next(asdict(r) for r in self.proxy.table.routes if r.name == name)
        self.proxy.swap(table)
        after = next(asdict(r) for r in table.routes if r.name == name)
        self.audit(
            actor,
            "change-route",
            {"route": name, "changes": changes, "before": _plain(before), "after": _plain(after)},
        )
        return _plain(after)

    def audit(self, actor: str, action: str, details: dict[str, Any]) -> None:
        record = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "actor": actor,
            "action": action,
            **details,
        }
        log.info("audit", **record)
        if self.audit_file is not None:
            with self.audit_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, default=str) + "\n")


def routes_of(table: RoutingTable) -> list[dict[str, Any]]:
    return [_plain(asdict(route)) for route in table.routes]


def _plain(route: dict[str, Any]) -> dict[str, Any]:
    """A route as JSON-friendly data (sets become sorted lists)."""
    return {
        key: sorted(value)
        if isinstance(value, frozenset)
        else list(value)
        if isinstance(value, tuple)
        else value
        for key, value in route.items()
    }
