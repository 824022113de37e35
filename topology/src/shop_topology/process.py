"""One long-running process of the topology: its own process group, its output in a log file."""

from dataclasses import dataclass, field
from pathlib import Path

from shop_topology.errors import TopologyError
from shop_topology.logged import LoggedProcess, tail

STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class RunningProcess:
    name: str
    process: LoggedProcess
    port: int | None
    ports: dict[str, int] = field(default_factory=dict)  # its named ports (`ports = [...]`)
    scheme: str = "http"  # of its URLs; the private broker node's is amqp

    @classmethod
    def spawn(
        cls,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log_path: Path,
        port: int | None = None,
        ports: dict[str, int] | None = None,
        scheme: str = "http",
    ) -> "RunningProcess":
        try:
            process = LoggedProcess.start(argv, log_path, cwd=cwd, env=env)
        except OSError as error:
            raise TopologyError(f"{name}: cannot start {argv[0]!r}: {error}") from error
        return cls(name, process, port, dict(ports or {}), scheme)

    def url(self, port: str | None = None) -> str:
        """`http://127.0.0.1:N` (or its scheme's) of its main port, or of the named `port`."""
        number = self.port if port is None else self.ports.get(port)
        if number is None:
            which = "main port" if port is None else f"port named {port!r}"
            raise TopologyError(f"process {self.name} has no {which}")
        return f"{self.scheme}://127.0.0.1:{number}"

    @property
    def argv(self) -> list[str]:
        return self.process.argv

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def exit_code(self) -> int | None:
        return self.process.exit_code

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGTERM to the whole group, SIGKILL if it is not gone after `timeout`; the exit code."""
        return self.process.stop(timeout)

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)
