"""A child process with its output (stdout and stderr) in a log file: started, waited for within
a time limit, followed line by line, and stopped together with its process group."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

POLL_SECONDS = 0.1  # how often a followed log is read


@dataclass
class LoggedProcess:
    """A started process writing to `log_path` from byte `output_start` on. With `own_group` it
    leads a new session: stopping it stops its children too, and the terminal's Ctrl-C does not
    reach it (its starter stops it instead)."""

    argv: list[str]
    log_path: Path
    popen: "subprocess.Popen[bytes]"
    own_group: bool
    output_start: int = 0

    @classmethod
    def start(
        cls,
        argv: Sequence[str],
        log_path: Path,
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        own_group: bool = True,
        stdin: int = subprocess.DEVNULL,
        header: bool = False,
    ) -> "LoggedProcess":
        """Start `argv`; `header`: the log begins with a `$ argv` line. OSError if it cannot."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        first_line = f"$ {' '.join(argv)}\n".encode() if header else b""
        with log_path.open("wb") as log:
            log.write(first_line)
            log.flush()
            popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=env,
                stdin=stdin,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=own_group,
            )
        return cls(list(argv), log_path, popen, own_group, len(first_line))

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exit_code(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit code, or None if it still runs after `timeout` seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def signal(self, signum: signal.Signals) -> None:
        """`signum` to its process group (when it leads one) or else to it, if not gone yet."""
        if self.own_group:
            signal_group(self.popen.pid, signum)
        elif self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signum)

    def kill(self) -> int:
        """SIGKILL, then reap it; its exit code."""
        self.signal(signal.SIGKILL)
        return self.popen.wait()

    def stop(self, timeout: float) -> int:
        """SIGTERM, SIGKILL if it is not gone after `timeout`, then SIGKILL to what is left of
        its group (children the leader left behind); its exit code."""
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.kill()
        if self.own_group:
            self.signal(signal.SIGKILL)
        return self.popen.wait()


def run_logged(
    argv: Sequence[str],
    log_path: Path,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    header: bool = False,
    echo: TextIO | None = None,
    echo_prefix: str = "",
) -> int:
    """Run `argv` to its end with its output in `log_path`, also copied line by line to `echo`
    (each line after `echo_prefix`); its exit code. After `timeout` seconds it is killed and
    subprocess.TimeoutExpired raised; interrupted, it is killed too."""
    process = LoggedProcess.start(argv, log_path, cwd=cwd, env=env, own_group=False, header=header)
    deadline = None if timeout is None else time.monotonic() + timeout
    follower = _Follower(log_path, process.output_start, echo, echo_prefix) if echo else None
    try:
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if follower is not None:
                left = POLL_SECONDS if left is None else min(left, POLL_SECONDS)
            code = process.wait(left)
            late = code is None and deadline is not None and time.monotonic() >= deadline
            if late:
                code = process.kill()
            if follower is not None:
                follower.copy(final=code is not None)
            if late and timeout is not None:
                raise subprocess.TimeoutExpired(process.popen.args, timeout)
            if code is not None:
                return code
    finally:
        if process.exit_code is None:
            process.kill()
        if follower is not None:
            follower.close()


class _Follower:
    """Copies what a log file gains to `out`, whole lines only until the final copy."""

    def __init__(self, log_path: Path, start: int, out: TextIO, prefix: str) -> None:
        self._log = log_path.open("rb")
        self._log.seek(start)
        self._out, self._prefix, self._pending = out, prefix, b""

    def copy(self, *, final: bool = False) -> None:
        *lines, self._pending = (self._pending + self._log.read()).split(b"\n")
        text = "".join(f"{self._prefix}{line.decode(errors='replace')}\n" for line in lines)
        if final and self._pending:
            text += f"{self._prefix}{self._pending.decode(errors='replace')}"
            self._pending = b""
        if text:
            self._out.write(text)
            self._out.flush()

    def close(self) -> None:
        self._log.close()


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """`signum` to every process of the group `pgid`; a group already gone is no error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file, or what stands in for them."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"
