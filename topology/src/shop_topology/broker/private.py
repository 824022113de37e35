"""A private RabbitMQ node for one run, where no broker is reachable: started as the process
`rabbitmq` on free ports, from a directory of its own under the run's workdir (its node name,
config, mnesia and log directories and Erlang cookie; the machine's epmd is shared), and
stopped and removed with the run. To look inside while it runs:

    HOME=DIR RABBITMQ_CONF_ENV_FILE=DIR/rabbitmq-env.conf /usr/lib/rabbitmq/bin/rabbitmqctl status
"""

import os
import secrets
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from shop_topology.broker.amqp import AmqpError, BrokerUrl, check_connection
from shop_topology.health import wait_until
from shop_topology.ports import free_port
from shop_topology.process import RunningProcess
from shop_topology.spec import BROKER_PROCESS

# It starts in about 5 s on a 2-core machine (ADR-0006): a minute leaves ample room.
CHECK_INTERVAL_SECONDS = 0.25
CHECK_RETRIES = 240


@dataclass(frozen=True)
class PrivateBroker:
    server: Path  # the rabbitmq-server script
    directory: Path
    node: str  # NAME@localhost
    target: BrokerUrl  # 127.0.0.1, its AMQP port, the configured user and the run's vhost

    @property
    def url(self) -> str:
        return str(self.target)

    @property
    def description(self) -> str:
        return f"private node {self.node}, stopped and removed with the run"

    @classmethod
    def prepare(
        cls, server: Path, configured: BrokerUrl, vhost: str, directory: Path
    ) -> "PrivateBroker":
        """Write its directory: config (listener, default user and vhost), env file, cookie."""
        target = BrokerUrl("127.0.0.1", free_port(), configured.user, configured.password, vhost)
        broker = cls(server, directory.resolve(), f"{directory.name}@localhost", target)
        broker.directory.mkdir(parents=True)
        broker._write_files(dist_port=free_port(taken={target.port}))
        return broker

    def start(self, processes: dict[str, RunningProcess], logs: Path) -> None:
        """Start it (registered in `processes` at once, so that it is stopped whatever happens)
        and wait until it takes AMQP connections."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("RABBITMQ_")}
        env |= {"HOME": str(self.directory), "RABBITMQ_CONF_ENV_FILE": str(self._env_file)}
        process = RunningProcess.spawn(
            BROKER_PROCESS,
            [str(self.server)],
            env=env,
            cwd=self.directory,
            log_path=logs / f"{BROKER_PROCESS}.log",
            port=self.target.port,
            scheme="amqp",
        )
        processes[BROKER_PROCESS] = process
        wait_until(process, self._probe, retries=CHECK_RETRIES, interval=CHECK_INTERVAL_SECONDS)

    def drop(self) -> None:
        """Remove its directory (called once it is stopped)."""
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def _env_file(self) -> Path:
        return self.directory / "rabbitmq-env.conf"

    def _probe(self) -> tuple[bool, str]:
        try:
            check_connection(self.target)
        except AmqpError as error:
            return False, f"AMQP {self.target.host}:{self.target.port}: {error}"
        return True, "AMQP connection opened"

    def _write_files(self, *, dist_port: int) -> None:
        directory, target = self.directory, self.target
        (directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{target.port}\n"
            f"default_vhost = {target.vhost}\n"
            f"default_user = {target.user}\n"
            f"default_pass = {target.password}\n"
            "log.console = true\nlog.console.level = info\nlog.console.use_colors = off\n"
            "log.file = false\n"
        )
        (directory / "enabled_plugins").write_text("[].\n")  # not the machine's plugins
        settings = {
            "NODENAME": self.node,
            "DIST_PORT": str(dist_port),
            "CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "ADVANCED_CONFIG_FILE": str(directory / "advanced.config"),  # none
            "ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "MNESIA_BASE": str(directory / "mnesia"),
            "LOG_BASE": str(directory / "log"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        lines = [f"{name}={shlex.quote(value)}\n" for name, value in settings.items()]
        self._env_file.write_text("".join(lines))
        cookie = directory / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
