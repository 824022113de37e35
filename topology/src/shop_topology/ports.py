"""Free TCP ports on the loopback interface, found by binding port 0."""

import socket

from shop_topology.errors import TopologyError


def free_port(host: str = "127.0.0.1", taken: set[int] | None = None) -> int:
    """A port nothing listens on now; `taken` ports (already handed out) are never returned."""
    taken = taken if taken is not None else set()
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            taken.add(port)
            return port
    raise TopologyError("no free port found in 50 tries")


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on `port` (connections of a stopped server in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
