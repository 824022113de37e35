"""Matching a request to a route, after normalising its path."""

import re
from functools import lru_cache
from urllib.parse import unquote

from strangler_proxy.policy.table import Route, RoutingTable


class BadPath(ValueError):
    pass


@lru_cache(maxsize=4096)
def normalise(raw_path: bytes) -> str:
    """The path as routes see it. Refuses what could smuggle a request past the table."""
    try:
        path = raw_path.decode("ascii")
    except UnicodeDecodeError as error:
        raise BadPath("the path must be ASCII (percent-encode the rest)") from error
    if not path.startswith("/"):
        raise BadPath("only origin-form targets (/path) are served; this is not an open proxy")
    decoded = unquote(path)
    segments = decoded.split("/")
    if any(s in (".", "..") for s in segments) or "\\" in decoded or "\x00" in decoded:
        raise BadPath("dot segments, backslashes and NUL are refused in paths")
    if "%2f" in path.lower() or "%5c" in path.lower():
        raise BadPath("encoded slashes are refused in paths")
    return decoded


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`*` matches one path segment, `**` any rest (including nothing)."""
    parts = []
    for segment in pattern.strip("/").split("/"):
        if segment == "**":
            parts.append("(?:/.*)?")
        elif segment == "*":
            parts.append("/[^/]+")
        elif segment:
            parts.append("/" + re.escape(segment))
    return re.compile("^" + ("".join(parts) or "/") + "/?$" if parts else "^/$")


def match(table: RoutingTable, method: str, path: str) -> Route | None:
    for route in table.routes:
        if route.methods is not None and method not in route.methods:
            continue
        if compile_pattern(route.path).match(path):
            return route
    return None
