"""Filling `{name}` placeholders in commands and env values; `{{` and `}}` stand for braces.

A name is a word (`{port}`, `{database_url}`), optionally qualified by a process
(`{url:monolith-web}`) and/or a named port (`{port.admin}`, `{port:strangler-proxy.admin}`);
the caller's values hold every name in full.
"""

import re
from collections.abc import Iterable, Mapping

from shop_topology.errors import TopologyError

_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\{([a-z_][a-z0-9_]*(?::[a-z0-9][a-z0-9-]*)?(?:\.[a-z_][a-z0-9_]*)?)\}"
)


def render(template: str, values: Mapping[str, object]) -> str:
    """Replace every `{name}`; an unknown name is an error, never left in place."""

    def substitute(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise TopologyError(f"unknown placeholder {token} in {template!r} (known: {known})")
        return str(values[name])

    return _PLACEHOLDER.sub(substitute, template)


def render_argv(argv: Iterable[str], values: Mapping[str, object]) -> list[str]:
    return [render(arg, values) for arg in argv]


def render_env(env: Mapping[str, str], values: Mapping[str, object]) -> dict[str, str]:
    return {key: render(value, values) for key, value in env.items()}
