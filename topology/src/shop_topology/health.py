"""Waiting, boundedly, until a process answers its health check."""

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from shop_topology.errors import TopologyError
from shop_topology.process import RunningProcess
from shop_topology.spec import HealthCheck

NO_CHECK_GRACE_SECONDS = 1.0  # a process without a check must at least survive this long


def wait_healthy(
    process: RunningProcess,
    check: HealthCheck | None,
    *,
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
) -> None:
    """Return once `process` passes `check`; raise naming it if it exits or never passes."""
    if check is None:
        time.sleep(NO_CHECK_GRACE_SECONDS)
        _fail_if_exited(process)
        return

    def probe() -> tuple[bool, str]:
        if check.http is not None:
            url = process.url(check.port) + check.http
            return probe_http(url, check.status, check.timeout)
        return probe_command(argv, env=env, cwd=cwd, timeout=check.timeout)

    wait_until(process, probe, retries=check.retries, interval=check.interval)


def wait_until(
    process: RunningProcess, probe: Callable[[], tuple[bool, str]], *, retries: int, interval: float
) -> None:
    """Return once `probe` answers (True, ...); raise naming `process` if it exits first or
    `probe` never does, with what the last probe said."""
    last = "not checked yet"
    for attempt in range(retries):
        if attempt:
            time.sleep(interval)
        _fail_if_exited(process)
        healthy, last = probe()
        if healthy:
            return
    raise TopologyError(
        f"process {process.name} did not become healthy after {retries} checks"
        f" {interval}s apart (last: {last}); last lines of {process.log_path}:\n"
        f"{process.log_tail()}"
    )


def probe_http(url: str, status: int, timeout: float) -> tuple[bool, str]:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False, trust_env=False)
    except httpx.HTTPError as error:
        return False, f"GET {url}: {type(error).__name__}: {error}"
    return response.status_code == status, f"GET {url} -> {response.status_code}"


def probe_command(
    argv: list[str], *, env: dict[str, str], cwd: Path, timeout: float
) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            argv,
            env=env,
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"{argv[0]}: {error}"
    output = (done.stdout + done.stderr).decode("utf-8", errors="replace").strip()
    return done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}: {output[-300:]}"


def _fail_if_exited(process: RunningProcess) -> None:
    code = process.exit_code
    if code is not None:
        raise TopologyError(
            f"process {process.name} exited with code {code} before it became healthy;"
            f" last lines of {process.log_path}:\n{process.log_tail()}"
        )
