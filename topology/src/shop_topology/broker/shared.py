"""A vhost of the run's own on a broker that is already running, made and deleted with
rabbitmqctl (which must reach that broker's node: Debian's needs root, or passwordless sudo)."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

from shop_topology.broker.amqp import AmqpError, BrokerUrl, check_connection
from shop_topology.broker.install import BROKER_URL_VARIABLE, find_program, root_prefix
from shop_topology.errors import TopologyError
from shop_topology.process import RunningProcess

RABBITMQCTL_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class SharedBroker:
    server: BrokerUrl
    vhost: str
    kept: bool  # the dev vhost of sqlite runs outlives the run, like the SQLite file
    rabbitmqctl: tuple[str, ...]  # the command that worked: rabbitmqctl, perhaps after sudo -n

    @property
    def url(self) -> str:
        return str(self.server.with_vhost(self.vhost))

    @property
    def description(self) -> str:
        return "vhost kept between runs" if self.kept else "vhost of this run, deleted on stop"

    def start(self, processes: dict[str, RunningProcess], logs: Path) -> None:
        """Nothing to start: the broker runs already."""

    def drop(self) -> None:
        if not self.kept:
            _run(self.rabbitmqctl, "delete_vhost", self.vhost, missing_ok=True)


def create_shared(server: BrokerUrl, vhost: str, *, kept: bool) -> SharedBroker:
    """Make `vhost` (if missing) with all rights for the URL's user, and check that it opens."""
    program = find_program("rabbitmqctl")
    if program is None:
        raise TopologyError(
            f"RabbitMQ answers at {server.host}:{server.port}, but rabbitmqctl is not installed"
            f" to give this run a vhost there; {_advice()}"
        )
    rabbitmqctl = _working_command(program, vhost)
    broker = SharedBroker(server, vhost, kept, rabbitmqctl)
    try:
        _run(rabbitmqctl, "set_permissions", "-p", vhost, server.user, ".*", ".*", ".*")
        check_connection(server.with_vhost(vhost))
    except (TopologyError, AmqpError) as error:
        broker.drop()
        raise TopologyError(
            f"the run's vhost {vhost} is not usable at {broker.url} ({error});"
            f" is rabbitmqctl's node the broker at {server.host}:{server.port}? {_advice()}"
        ) from error
    return broker


def _working_command(program: str, vhost: str) -> tuple[str, ...]:
    """rabbitmqctl as it works here: as we are, or else as root through passwordless sudo."""
    candidates: list[tuple[str, ...]] = [(program,)]
    prefix = root_prefix()
    if prefix:
        candidates.append((*prefix, program))
    failures = []
    for command in candidates:
        try:
            _run(command, "add_vhost", vhost)
        except TopologyError as error:
            failures.append(str(error))
            continue
        return command
    raise TopologyError(f"{'; '.join(failures)}; {_advice()}")


def _run(command: tuple[str, ...], *arguments: str, missing_ok: bool = False) -> None:
    argv = [*command, *arguments]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=RABBITMQCTL_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # out of reach of the terminal's Ctrl-C during a cleanup
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TopologyError(f"`{' '.join(argv)}` failed: {error}") from error
    output = (done.stdout + done.stderr).decode(errors="replace").strip()
    if done.returncode != 0 and not (missing_ok and "does not exist" in output):
        raise TopologyError(f"`{' '.join(argv)}` exited {done.returncode}: {output[-500:]}")


def _advice() -> str:
    return (
        "run as root (or with passwordless sudo), stop that broker so that the topology starts"
        f" a private one, or set {BROKER_URL_VARIABLE} to a broker rabbitmqctl manages"
    )
