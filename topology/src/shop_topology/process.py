"""One long-running process of the topology: its own process group, its output in a log file."""

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from shop_topology.errors import TopologyError

STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class RunningProcess:
    name: str
    argv: list[str]
    port: int | None
    log_path: Path
    popen: subprocess.Popen[bytes]
    ports: dict[str, int] = field(default_factory=dict)  # its named ports (`ports = [...]`)

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
    ) -> "RunningProcess":
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            try:
                popen = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                raise TopologyError(f"{name}: cannot start {argv[0]!r}: {error}") from error
        return cls(name, argv, port, log_path, popen, dict(ports or {}))

    def url(self, port: str | None = None) -> str:
        """`http://127.0.0.1:N` of its main port, or of the named `port`."""
        number = self.port if port is None else self.ports.get(port)
        if number is None:
            which = "main port" if port is None else f"port named {port!r}"
            raise TopologyError(f"process {self.name} has no {which}")
        return f"http://127.0.0.1:{number}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exit_code(self) -> int | None:
        return self.popen.poll()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGTERM to the whole group, SIGKILL if it is not gone after `timeout`; the exit code."""
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait()
        self._signal_group(signal.SIGKILL)  # children the leader left behind
        return self.popen.returncode

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"
