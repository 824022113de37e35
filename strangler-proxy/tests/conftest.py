"""With STRANGLER_PROXY_COMPILED=1 (`make pytest-compiled`), these tests run against the proxy's
mypyc build (ADR-0008), and refuse to run at all if what they would import is not compiled."""

import importlib
import os
from pathlib import Path

import pytest

# The modules the build compiles (strangler-proxy/pyproject.toml, the mypyc hook's include).
COMPILED = ["messages", "wire.server", "wire.upstream", "wire.pool", "policy.proxy"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("STRANGLER_PROXY_COMPILED") != "1":
        return
    interpreted = [
        name
        for name in COMPILED
        if Path(importlib.import_module(f"strangler_proxy.{name}").__file__ or "").suffix != ".so"
    ]
    if interpreted:
        raise pytest.UsageError(
            f"STRANGLER_PROXY_COMPILED=1 but these run interpreted: {interpreted}; build with "
            "`make proxy-compiled` and put .run/proxy-compiled first on PYTHONPATH"
        )
