"""What gunicorn refuses before Flask sees it is a problem too (web/gunicorn_conf.py)."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    work, port = tmp_path_factory.mktemp("gunicorn"), free_port()
    env = os.environ | {"DATABASE_URL": f"sqlite:///{work / 'shop.db'}"}
    command = [
        sys.executable, "-m", "gunicorn", "--config", "python:shop_monolith.web.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
        "shop_monolith.web.app:create_app()",
    ]  # fmt: skip
    with (work / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert process.poll() is None, Path(work / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(20)


def exchange(address: tuple[str, int], raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"GET /api/v1/products?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
         "uri-too-long"),
        (b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n",
         431, "headers-too-large"),
        (b"GET /api/v1/products HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400, "malformed-request"),
        (b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400,
         "malformed-request"),
    ],
)  # fmt: skip
def test_a_request_gunicorn_refuses_is_answered_with_a_problem(
    server: tuple[str, int], raw: bytes, status: int, code: str
) -> None:
    answer, headers, body = exchange(server, raw)

    assert answer == status
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    problem = json.loads(body[: int(headers["content-length"])])
    assert problem["type"] == f"https://shop.example/problems/{code}"
    assert problem["status"] == status and problem["title"] and problem["detail"]
