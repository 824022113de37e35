"""Schemathesis against catalog-http itself (a real uvicorn on PostgreSQL): for each of the
contract's operations the service answers, generated valid requests never get a 5xx, and every
answer is one the contract documents (status, content type, body schema)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from catalog_db import SECRET, set_owner
from catalog_fakes import FakeStore
from catalog_http import token
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from catalog_service.bootstrap import bootstrap
from catalog_service.config import Settings
from catalog_service.entrypoints.http.app import create_app

pytestmark = pytest.mark.slow

CONTRACT = Path(__file__).resolve().parents[4] / "contract" / "openapi.yaml"
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_path(CONTRACT)
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE], with_security_parameters=False
)


def service_operations() -> list[tuple[str, str]]:
    """The contract's operations the service answers (its routes, as its app lists them)."""
    settings = Settings(database_url="sqlite://", secret_key=SECRET)
    described = create_app(bootstrap(settings, uow=FakeStore().uow)).openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, item in described.items()
        for method in item
        if method != "head"
    )


@pytest.fixture(scope="module")
def service(
    database_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    set_owner(engine, "catalog")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("catalog-http") / "http.log"
    environment = os.environ | {
        "CATALOG_DATABASE_URL": database_url,
        "CATALOG_SECRET_KEY": SECRET,
        "CATALOG_LOG_FORMAT": "json",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "catalog_service.entrypoints.cli", "http", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(20)


@pytest.mark.parametrize(("method", "path"), service_operations(), ids=" ".join)
def test_the_service_answers_generated_requests_as_the_contract_says(
    service: str, method: str, path: str
) -> None:
    operation = SCHEMA[path][method]
    headers = {"Authorization": f"Bearer {token('admin')}"}

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def exchange(case: Any) -> None:
        with requests.Session() as session:
            case.call_and_validate(
                base_url=service, session=session, headers=headers, checks=CHECKS, timeout=20
            )

    exchange()
