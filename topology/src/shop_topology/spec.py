"""The topology file (topology.toml) as typed, validated data."""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shop_topology.errors import TopologyError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "topology.toml"
DATABASE_KINDS = ("postgres", "sqlite")


@dataclass(frozen=True)
class HealthCheck:
    """Either an HTTP GET of `http` expecting `status`, or a `command` that exits 0."""

    http: str | None = None
    status: int = 200
    command: tuple[str, ...] = ()
    interval: float = 1.0
    timeout: float = 2.0
    retries: int = 30


@dataclass(frozen=True)
class Command:
    name: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    health: HealthCheck | None = None

    @property
    def needs_port(self) -> bool:
        return any("{port}" in arg for arg in self.command)


@dataclass(frozen=True)
class DatabaseSpec:
    kind: str
    server_url: str
    name_prefix: str
    sqlite_file: str


@dataclass(frozen=True)
class Topology:
    step: str
    entry: str
    root: Path
    database: DatabaseSpec
    admin_email: str
    admin_dev_password: str
    env: dict[str, str]
    setup: tuple[Command, ...]
    processes: tuple[Command, ...]

    def process(self, name: str) -> Command:
        for process in self.processes:
            if process.name == name:
                return process
        raise TopologyError(f"no process named {name!r} in step {self.step}")


def default_file() -> Path:
    return Path(os.environ.get("SHOP_TOPOLOGY_FILE", DEFAULT_FILE))


def load_topology(path: Path | str | None = None) -> Topology:
    path = Path(path) if path is not None else default_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        topology = _parse(data, path.resolve().parent)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise TopologyError(f"{path}: {type(error).__name__}: {error}") from error
    _validate(topology, path)
    return topology


def _parse(data: dict[str, Any], base: Path) -> Topology:
    step, database, admin = data["step"], data["database"], data.get("admin", {})
    return Topology(
        step=str(step["name"]),
        entry=str(step["entry"]),
        root=(base / str(step.get("root", "."))).resolve(),
        database=DatabaseSpec(
            kind=str(database.get("kind", "postgres")),
            server_url=str(database.get("server_url", "")),
            name_prefix=str(database.get("name_prefix", "shop_t_")),
            sqlite_file=str(database.get("sqlite_file", "shop.db")),
        ),
        admin_email=str(admin.get("email", "admin@shop.example")),
        admin_dev_password=str(admin.get("dev_password", "admin-password-dev")),
        env=_strings(data.get("env", {})),
        setup=tuple(_command(item) for item in data.get("setup", [])),
        processes=tuple(_command(item) for item in data.get("process", [])),
    )


def _command(item: dict[str, Any]) -> Command:
    health = item.get("health")
    return Command(
        name=str(item["name"]),
        command=_argv(item["command"]),
        env=_strings(item.get("env", {})),
        health=_health(health) if health is not None else None,
    )


def _health(item: dict[str, Any]) -> HealthCheck:
    unknown = set(item) - {"http", "status", "command", "interval", "timeout", "retries"}
    if unknown:
        raise ValueError(f"unknown health check keys {sorted(unknown)}")
    if ("http" in item) == ("command" in item):
        raise ValueError("a health check needs exactly one of 'http' or 'command'")
    return HealthCheck(
        http=str(item["http"]) if "http" in item else None,
        status=int(item.get("status", 200)),
        command=_argv(item["command"]) if "command" in item else (),
        interval=float(item.get("interval", 1.0)),
        timeout=float(item.get("timeout", 2.0)),
        retries=int(item.get("retries", 30)),
    )


def _argv(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise ValueError(f"a command must be a non-empty list of strings, not {value!r}")
    return tuple(value)


def _strings(table: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in table.items()}


def _validate(topology: Topology, path: Path) -> None:
    names = [process.name for process in topology.processes]
    problems = []
    if len(set(names)) != len(names):
        problems.append(f"duplicate process names in {names}")
    if topology.entry not in names:
        problems.append(f"entry {topology.entry!r} is not one of the processes {names}")
    elif not topology.process(topology.entry).needs_port:
        problems.append(f"entry {topology.entry!r} has no {{port}} in its command")
    if topology.database.kind not in DATABASE_KINDS:
        problems.append(f"database kind {topology.database.kind!r} not in {DATABASE_KINDS}")
    for process in topology.processes:
        if process.health and process.health.http and not process.needs_port:
            problems.append(f"{process.name}: an http health check needs {{port}} in its command")
    if problems:
        raise TopologyError(f"{path}: " + "; ".join(problems))
