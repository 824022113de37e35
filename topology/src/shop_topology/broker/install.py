"""Finding RabbitMQ's programs, and installing Debian's package when they are missing and we
may (as root, or with passwordless sudo)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from shop_topology.errors import TopologyError
from shop_topology.logged import run_logged, tail

BROKER_URL_VARIABLE = "SHOP_TOPOLOGY_BROKER_URL"  # overrides [broker] server_url
# Debian's rabbitmq-server script itself: the one in /usr/sbin runs it as the rabbitmq user.
DEBIAN_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")  # not on every user's PATH
INSTALL = "apt-get install -y rabbitmq-server"
INSTALL_TIMEOUT_SECONDS = 900.0


def find_program(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))


def find_server() -> Path | None:
    """The rabbitmq-server script that starts a node as the calling user, if installed."""
    if DEBIAN_SERVER.is_file():
        return DEBIAN_SERVER
    found = find_program("rabbitmq-server")
    return Path(found) if found else None


def root_prefix() -> list[str] | None:
    """How to run a command as root: [] when we are, `sudo -n` when it needs no password."""
    if os.geteuid() == 0:
        return []
    sudo = find_program("sudo")
    if sudo is None:
        return None
    done = subprocess.run([sudo, "-n", "true"], capture_output=True, check=False)
    return [sudo, "-n"] if done.returncode == 0 else None


def install_server(why: str, log_path: Path) -> Path:
    """Install Debian's rabbitmq-server (the output also on stderr); its script. `why` starts
    the message that says what to do instead when it may not."""
    prefix = root_prefix()
    if prefix is None or find_program("apt-get") is None:
        raise TopologyError(
            f"{why}, and rabbitmq-server is not installed. Install it (`sudo {INSTALL}` on"
            f" Debian or Ubuntu), or set {BROKER_URL_VARIABLE} to a reachable broker"
        )
    script = f"apt-get update -q && {INSTALL} -q"
    argv = [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", "sh", "-c", script]
    print(f"shop-topology: {why}: installing rabbitmq-server ({script})", file=sys.stderr)
    try:
        code = run_logged(
            argv,
            log_path,
            cwd=log_path.parent,
            timeout=INSTALL_TIMEOUT_SECONDS,
            header=True,
            echo=sys.stderr,
            echo_prefix="  apt-get | ",
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TopologyError(f"installing rabbitmq-server failed: {error}") from error
    server = find_server()
    if code != 0 or server is None:
        raise TopologyError(f"installing rabbitmq-server failed; {log_path}:\n{tail(log_path)}")
    return server
