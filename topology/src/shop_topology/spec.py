"""The topology file (topology.toml) as typed, validated data."""

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shop_topology.errors import TopologyError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "topology.toml"
DATABASE_KINDS = ("postgres", "sqlite")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # a process name
PORT_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")  # a named port of a process
ROLE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,20}$")  # a database role of the run (name suffix)
# {port} {url} {port.NAME} {url.NAME}: the process's own ports; with `:PROCESS` another's.
# `{{` and `}}` are literal braces (matched here only to be skipped, as render.py does).
PORT_REFERENCE = re.compile(
    r"\{\{|\}\}|\{(port|url)(?::([a-z0-9][a-z0-9-]*))?(?:\.([a-z_][a-z0-9_]*))?\}"
)
BROKER_REFERENCE = re.compile(r"\{\{|\}\}|(\{broker_url\})")
BROKER_PROCESS = "rabbitmq"  # the private broker node's name among the processes
VHOST_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # also a private node's name: kept plain


@dataclass(frozen=True)
class PortReference:
    """`{url:monolith-web}` is PortReference("url", "monolith-web", None)."""

    kind: str  # "port" or "url"
    process: str | None  # None: the process's own
    port: str | None  # None: the main port (`{port}` in the command)


@dataclass(frozen=True)
class HealthCheck:
    """Either an HTTP GET of `http` expecting `status`, or a `command` that exits 0."""

    http: str | None = None
    port: str | None = None  # the named port `http` is probed on; None: the main port
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
    ports: tuple[str, ...] = ()  # named ports besides the main one: `ports = ["admin"]`
    shared_env: bool = True  # gets the topology's [env] table

    @property
    def needs_port(self) -> bool:
        """It has a main port: its command says where, with `{port}`."""
        return any("{port}" in arg for arg in self.command)

    @property
    def texts(self) -> tuple[str, ...]:
        """Where placeholders may stand: its command, its env values, its health command."""
        health = self.health.command if self.health else ()
        return (*self.command, *self.env.values(), *health)

    @property
    def references(self) -> tuple[PortReference, ...]:
        """Every port or URL placeholder in its command, env and health check, in order."""
        return tuple(
            PortReference(match[1], match[2], match[3])
            for text in self.texts
            for match in PORT_REFERENCE.finditer(text)
            if match[1] is not None
        )

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The processes it names (`{url:NAME}`, `{port:NAME...}`): they start, healthy, first."""
        names = (ref.process for ref in self.references if ref.process is not None)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class RoleSpec:
    """A database role of the run's own (`[[database.roles]]`): `{database_url:NAME}` connects
    as it, `{database_role:NAME}` is its name. On PostgreSQL it is made for the run (and
    dropped with the database); with `create`, it may create schemas in the run's database.
    On SQLite there are no roles: its URL is the run's file, or `sqlite_file` if given."""

    name: str
    create: bool = False
    sqlite_file: str | None = None


@dataclass(frozen=True)
class DatabaseSpec:
    kind: str
    server_url: str
    name_prefix: str
    sqlite_file: str
    roles: tuple[RoleSpec, ...] = ()


@dataclass(frozen=True)
class BrokerSpec:
    """RabbitMQ, for topologies that use {broker_url}: a vhost per run on `server_url`."""

    server_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    vhost_prefix: str = "shop_t_"
    dev_vhost: str = "shop_dev"  # sqlite runs: one vhost, kept between runs


@dataclass(frozen=True)
class Topology:
    step: str
    entry: str
    root: Path
    database: DatabaseSpec
    broker: BrokerSpec
    admin_email: str
    admin_dev_password: str
    admin_dev_token: str
    env: dict[str, str]
    setup: tuple[Command, ...]
    processes: tuple[Command, ...]

    def process(self, name: str) -> Command:
        for process in self.processes:
            if process.name == name:
                return process
        raise TopologyError(f"no process named {name!r} in step {self.step}")

    def gets_broker_url(self, command: Command) -> bool:
        """Whether `command` is given {broker_url}: by its own texts, or by the [env] table."""
        shared = tuple(self.env.values()) if command.shared_env else ()
        texts = (*command.texts, *shared)
        return any(match[1] for text in texts for match in BROKER_REFERENCE.finditer(text))

    @property
    def uses_broker(self) -> bool:
        """Only a topology that names {broker_url} somewhere needs a broker."""
        return any(self.gets_broker_url(command) for command in (*self.setup, *self.processes))

    def start_order(self) -> tuple[tuple[Command, ...], ...]:
        """Waves of processes: each wave's dependencies are all in earlier waves.

        A wave is started together and must be healthy before the next one starts; within a
        wave the file's order is kept. Raises on a dependency cycle.
        """
        waves: list[tuple[Command, ...]] = []
        done: set[str] = set()
        left = list(self.processes)
        while left:
            wave = tuple(p for p in left if set(p.depends_on) <= done)
            if not wave:
                cycle = ", ".join(f"{p.name} -> {'/'.join(p.depends_on)}" for p in left)
                raise TopologyError(f"processes depend on each other in a cycle: {cycle}")
            waves.append(wave)
            done |= {p.name for p in wave}
            left = [p for p in left if p.name not in done]
        return tuple(waves)


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
    broker = data.get("broker", {})
    return Topology(
        step=str(step["name"]),
        entry=str(step["entry"]),
        root=(base / str(step.get("root", "."))).resolve(),
        database=DatabaseSpec(
            kind=str(database.get("kind", "postgres")),
            server_url=str(database.get("server_url", "")),
            name_prefix=str(database.get("name_prefix", "shop_t_")),
            sqlite_file=str(database.get("sqlite_file", "shop.db")),
            roles=tuple(_role(item) for item in database.get("roles", [])),
        ),
        broker=BrokerSpec(**_strings(broker)),
        admin_email=str(admin.get("email", "admin@shop.example")),
        admin_dev_password=str(admin.get("dev_password", "admin-password-dev")),
        admin_dev_token=str(admin.get("dev_token", "admin-token-dev")),
        env=_strings(data.get("env", {})),
        setup=tuple(_command(item) for item in data.get("setup", [])),
        processes=tuple(_command(item) for item in data.get("process", [])),
    )


def _role(item: dict[str, Any]) -> RoleSpec:
    unknown = set(item) - {"name", "create", "sqlite_file"}
    if unknown:
        raise ValueError(f"unknown database role keys {sorted(unknown)}")
    name, create = str(item["name"]), item.get("create", False)
    if not ROLE_NAME.fullmatch(name):
        raise ValueError(f"role name {name!r}: lowercase letters, digits and -, a letter first")
    if not isinstance(create, bool):
        raise ValueError(f"role {name}: create must be true or false, not {create!r}")
    sqlite_file = item.get("sqlite_file")
    return RoleSpec(name, create, None if sqlite_file is None else str(sqlite_file))


def _command(item: dict[str, Any]) -> Command:
    health = item.get("health")
    ports = item.get("ports", [])
    if not isinstance(ports, list) or not all(isinstance(p, str) for p in ports):
        raise ValueError(f"ports must be a list of names, not {ports!r}")
    shared_env = item.get("shared_env", True)
    if not isinstance(shared_env, bool):
        raise ValueError(f"shared_env must be true or false, not {shared_env!r}")
    return Command(
        name=str(item["name"]),
        command=_argv(item["command"]),
        env=_strings(item.get("env", {})),
        health=_health(health) if health is not None else None,
        ports=tuple(ports),
        shared_env=shared_env,
    )


def _health(item: dict[str, Any]) -> HealthCheck:
    unknown = set(item) - {"http", "port", "status", "command", "interval", "timeout", "retries"}
    if unknown:
        raise ValueError(f"unknown health check keys {sorted(unknown)}")
    if ("http" in item) == ("command" in item):
        raise ValueError("a health check needs exactly one of 'http' or 'command'")
    if "port" in item and "http" not in item:
        raise ValueError("a health check's 'port' is for 'http' checks only")
    return HealthCheck(
        http=str(item["http"]) if "http" in item else None,
        port=str(item["port"]) if "port" in item else None,
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
        problems += _process_problems(process, topology)
    if topology.uses_broker:
        problems += _broker_problems(topology)
    for setup in topology.setup:
        if setup.references:
            problems.append(f"setup {setup.name}: runs before any process has a port")
    if not problems:
        try:
            topology.start_order()
        except TopologyError as error:
            problems.append(str(error))
    if problems:
        raise TopologyError(f"{path}: " + "; ".join(problems))


def _process_problems(process: Command, topology: Topology) -> list[str]:
    name, problems = process.name, []
    if not NAME.match(name):
        problems.append(f"process name {name!r} is not lower-case letters, digits and '-'")
    for port in process.ports:
        if not PORT_NAME.match(port):
            problems.append(f"{name}: port name {port!r} is not lower-case letters, digits, '_'")
    if len(set(process.ports)) != len(process.ports):
        problems.append(f"{name}: duplicate port names in {list(process.ports)}")
    check = process.health
    if check and check.http:
        if check.port is None and not process.needs_port:
            problems.append(f"{name}: an http health check needs {{port}} in its command")
        if check.port is not None and check.port not in process.ports:
            problems.append(f"{name}: health check port {check.port!r} is not in its ports")
    names = {p.name: p for p in topology.processes}
    for ref in process.references:
        token = _token(ref)
        target = names.get(ref.process or name)
        if target is None:
            problems.append(f"{name}: {token} names no process")
        elif ref.process == name:
            problems.append(f"{name}: {token} names itself; write {_token(ref, own=True)}")
        elif ref.port is not None and ref.port not in target.ports:
            problems.append(f"{name}: {token}: {target.name} has no port {ref.port!r}")
        elif ref.port is None and not target.needs_port:
            problems.append(f"{name}: {token}: {target.name} has no {{port}} in its command")
    return problems


def _broker_problems(topology: Topology) -> list[str]:
    broker, problems = topology.broker, []
    if not broker.server_url.startswith("amqp://"):
        problems.append(f"broker server_url {broker.server_url!r} is not an amqp:// URL")
    for key, value in [("vhost_prefix", broker.vhost_prefix), ("dev_vhost", broker.dev_vhost)]:
        if not VHOST_NAME.match(value):
            problems.append(f"broker {key} {value!r} is not letters, digits, '_' and '-'")
    if any(process.name == BROKER_PROCESS for process in topology.processes):
        problems.append(f"process name {BROKER_PROCESS!r} is the private broker node's")
    return problems


def _token(ref: PortReference, *, own: bool = False) -> str:
    process = f":{ref.process}" if ref.process and not own else ""
    port = f".{ref.port}" if ref.port else ""
    return f"{{{ref.kind}{process}{port}}}"
