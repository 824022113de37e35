"""Starting the step's processes in order, and stopping them (and the database and broker)."""

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from shop_topology.broker import Broker, provide_broker
from shop_topology.database import Database, SqliteDatabase, provision
from shop_topology.errors import TopologyError
from shop_topology.health import wait_healthy
from shop_topology.ports import free_port, is_free
from shop_topology.process import RunningProcess
from shop_topology.render import render_argv, render_env
from shop_topology.setup import run_setup
from shop_topology.signals import uninterruptible
from shop_topology.spec import Command, Topology, load_topology


@dataclass
class RunningTopology:
    topology: Topology
    database: Database
    workdir: Path
    admin_email: str
    admin_password: str
    admin_token: str  # operators' admin APIs ({admin_token}: the proxy's admin listener)
    processes: dict[str, RunningProcess] = field(default_factory=dict)
    stopped: bool = False
    broker: Broker | None = None  # only for a topology that uses {broker_url}

    @property
    def base_url(self) -> str:
        """The entry process's URL, without a trailing slash: `http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.processes[self.topology.entry].port}"

    @property
    def database_url(self) -> str:
        return self.database.url

    @property
    def broker_url(self) -> str | None:
        return self.broker.url if self.broker is not None else None

    def url(self, process: str, port: str | None = None) -> str:
        """A process's own URL (`url("monolith-web")`, bypassing the entry), or a named port's."""
        if process not in self.processes:
            raise TopologyError(f"no running process named {process!r}")
        return self.processes[process].url(port)

    def check_alive(self) -> None:
        for process in self.processes.values():
            if process.exit_code is not None:
                raise TopologyError(
                    f"process {process.name} exited with code {process.exit_code};"
                    f" last lines of {process.log_path}:\n{process.log_tail()}"
                )

    def stop(self) -> None:
        """Stop the processes, last started first (a private broker node last), then drop the
        database and the broker's vhost or node directory. Safe to repeat."""
        if self.stopped:
            return
        self.stopped = True
        with uninterruptible():
            for process in reversed(list(self.processes.values())):
                process.stop()
            try:
                self.database.drop()
            finally:
                if self.broker is not None:
                    self.broker.drop()

    def __enter__(self) -> "RunningTopology":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def start(
    database: str | None = None,
    *,
    workdir: Path | str | None = None,
    topology_file: Path | str | None = None,
    entry_port: int | None = None,
    admin_password: str | None = None,
) -> RunningTopology:
    """Provision the database, run the setup commands, start every process, wait until healthy."""
    topology = load_topology(topology_file)
    kind = database or topology.database.kind
    run_dir = Path(workdir).resolve() if workdir is not None else topology.root / ".run"
    run_dir.mkdir(parents=True, exist_ok=True)
    dev = kind == "sqlite"
    if admin_password is None:
        admin_password = topology.admin_dev_password if dev else secrets.token_urlsafe(16)
    admin_token = topology.admin_dev_token if dev else secrets.token_urlsafe(24)
    running = RunningTopology(
        topology,
        provision(kind, topology.database, run_dir),
        run_dir,
        topology.admin_email,
        admin_password,
        admin_token,
    )
    try:
        _start(running, entry_port)
    except BaseException as error:
        try:
            running.stop()
        except Exception as cleanup_error:
            error.add_note(f"cleaning up after it failed too: {cleanup_error!r}")
        raise
    return running


def _start(running: RunningTopology, entry_port: int | None) -> None:
    topology, logs = running.topology, running.workdir / "logs"
    values: dict[str, object] = {
        "database_url": running.database_url,
        "secret_key": secrets.token_urlsafe(32),
        "admin_email": running.admin_email,
        "admin_password": running.admin_password,
        "admin_token": running.admin_token,
        "workdir": running.workdir,
        "python": sys.executable,
    }
    for role in topology.database.roles:
        values[f"database_url:{role.name}"] = running.database.role_url(role)
        values[f"database_role:{role.name}"] = running.database.role_name(role)
    if topology.uses_broker:  # before setup, which may use it too
        dev = isinstance(running.database, SqliteDatabase)
        running.broker = provide_broker(topology.broker, dev=dev, workdir=running.workdir)
        running.broker.start(running.processes, logs)
        values["broker_url"] = running.broker.url
    base_env = _inherited_env()
    for setup in topology.setup:
        env = base_env | render_env(topology.env | setup.env, values)
        run_setup(setup, render_argv(setup.command, values), env, topology.root, logs)
    ports = _assign_ports(topology, entry_port)
    for name, assigned in ports.items():
        values |= assigned.values(of=name)  # {port:NAME}, {url:NAME.admin}, ...
    for wave in topology.start_order():  # each wave healthy before the next one starts
        checks: list[tuple[RunningProcess, Command, list[str], dict[str, str]]] = []
        for spec in wave:
            own = values | ports[spec.name].values()
            shared = topology.env if spec.shared_env else {}
            env = base_env | render_env(shared | spec.env, own)
            process = RunningProcess.spawn(
                spec.name,
                render_argv(spec.command, own),
                env=env,
                cwd=topology.root,
                log_path=logs / f"{spec.name}.log",
                port=ports[spec.name].main,
                ports=ports[spec.name].named,
            )
            running.processes[spec.name] = process
            check_argv = render_argv(spec.health.command, own) if spec.health else []
            checks.append((process, spec, check_argv, env))
        for process, spec, check_argv, env in checks:
            wait_healthy(process, spec.health, argv=check_argv, env=env, cwd=topology.root)


@dataclass(frozen=True)
class Ports:
    """One process's ports: the main one (`{port}` in its command) and its named ones."""

    main: int | None
    named: dict[str, int]

    def values(self, of: str | None = None) -> dict[str, object]:
        """Its placeholders: `port`, `url`, `port.NAME`, `url.NAME` for the process itself;
        `port:PROCESS`, `url:PROCESS.NAME`, ... for the others (`of` the process's name)."""
        found: dict[str, int] = {"": self.main} if self.main is not None else {}
        found |= {f".{name}": number for name, number in self.named.items()}
        process = f":{of}" if of else ""
        values: dict[str, object] = {}
        for suffix, number in found.items():
            values[f"port{process}{suffix}"] = number
            values[f"url{process}{suffix}"] = f"http://127.0.0.1:{number}"
        return values


def _assign_ports(topology: Topology, entry_port: int | None) -> dict[str, Ports]:
    taken: set[int] = set()
    if entry_port is not None:
        if not is_free(entry_port):
            raise TopologyError(f"port {entry_port} for {topology.entry} is already in use")
        taken.add(entry_port)
    ports = {}
    for spec in topology.processes:
        main = None
        if spec.needs_port:
            chosen = spec.name == topology.entry and entry_port is not None
            main = entry_port if chosen else free_port(taken=taken)
        named = {name: free_port(taken=taken) for name in spec.ports}
        ports[spec.name] = Ports(main, named)
    return ports


def _inherited_env() -> dict[str, str]:
    """This environment, with this interpreter's scripts (the venv's bin) first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return env
