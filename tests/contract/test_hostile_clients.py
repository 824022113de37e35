"""What a hostile or careless client can try at the shop's edge, answered with a 4xx problem:
odd spellings of numbers, a foreign or missing Host, heads and bodies past the limits, one
basket checked out many times at once, and password guessing."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import spec
from client import (
    API,
    PASSWORD,
    Customer,
    ShopClient,
    ShopUnderTest,
    create_product,
    get_stock,
    place_order,
    register_customer,
    set_basket_item,
    unique_email,
    wait_for_terminal,
)
from problems import PROBLEM_MEDIA_TYPE, assert_any_problem, assert_problem
from samples import caller_for, send

WITH_INTEGERS = [op for op in spec.operations() if op.integer_query_params]
NOT_INTEGERS = {
    "double-minus": "--1",
    "plus": "+1",
    "leading-space": " 1",
    "exponent": "1e3",
    "decimal": "1.0",
    "hex": "0x10",
    "superscript": "\u00b2",
    "arabic-indic": "\u0661",
    "underscore": "1_000",
    "minus-only": "-",
    "huge": "9" * 40,
    "huge-negative": "-" + "9" * 40,
}
BODY_LIMIT = 64 * 1024
FAILED_LOGINS = 30


@pytest.fixture(scope="module")
def shopper(anon: ShopClient) -> Customer:
    return register_customer(anon)


@pytest.fixture(scope="module")
def product_id(admin: ShopClient) -> str:
    return str(create_product(admin)["id"])


# --- numbers in query parameters ------------------------------------------------------------


@pytest.mark.parametrize("spelling", NOT_INTEGERS.values(), ids=NOT_INTEGERS.keys())
@pytest.mark.parametrize("op", WITH_INTEGERS, ids=str)
def test_every_integer_query_parameter_refuses_what_is_not_plainly_an_integer(
    op: spec.Operation,
    spelling: str,
    admin: ShopClient,
    shopper: Customer,
    anon: ShopClient,
    product_id: str,
) -> None:
    api = caller_for(op, admin=admin, customer=shopper.api, anon=anon)
    for name in op.integer_query_params:
        response = send(api, op, path_values={"product_id": product_id}, params={name: spelling})
        assert_problem(response, 400, "malformed-request", field=name)


def test_the_contract_has_integer_query_parameters() -> None:
    names = {name for op in WITH_INTEGERS for name in op.integer_query_params}
    assert {"page", "per_page", "min_price", "max_price"} <= names


# --- the Host header ------------------------------------------------------------------------


def _address(shop: ShopUnderTest) -> tuple[str, int]:
    parts = urlsplit(shop.base_url)
    assert parts.hostname and parts.port, f"the base URL {shop.base_url} needs a host and port"
    return parts.hostname, parts.port


def _host(shop: ShopUnderTest) -> str:
    return urlsplit(shop.base_url).netloc


def raw_exchange(shop: ShopUnderTest, head: bytes, body: bytes = b"", timeout: float = 20) -> bytes:
    """Send bytes as they are (no client fixes them up); read one answer, or until the server
    closes the connection."""
    with socket.create_connection(_address(shop), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # refused midway: the answer may still be there
            sock.sendall(head + body)
        received = b""
        while not _complete(received):
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
    return received


def _complete(received: bytes) -> bool:
    """A whole answer framed by Content-Length has arrived."""
    head, found, body = received.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return bool(found and match and len(body) >= int(match.group(1)))


def parse_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), f"not an HTTP answer: {raw[:200]!r}"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def assert_raw_problem(raw: bytes, status: int) -> dict[str, Any]:
    code, headers, body = parse_answer(raw)
    assert code == status, f"expected {status}, got {raw[:300]!r}"
    assert headers.get("content-type", "").split(";")[0] == PROBLEM_MEDIA_TYPE, raw[:300]
    length = int(headers.get("content-length", len(body)))
    problem: dict[str, Any] = json.loads(body[:length])
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize(
    "path", ["/static//shop.css", "//products", f"{API}//products", f"{API}/products"]
)
def test_a_foreign_host_is_never_redirected_to(shop: ShopUnderTest, path: str) -> None:
    with httpx.Client(base_url=shop.base_url, timeout=20) as http:
        response = http.get(path, headers={"Host": "evil.example"})
    assert "evil.example" not in response.headers.get("location", "")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_any_problem(response)


def test_an_http_1_1_request_without_host_is_refused(shop: ShopUnderTest) -> None:
    raw = raw_exchange(shop, f"GET {API}/products HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
    assert_raw_problem(raw, 400)


def test_a_request_with_two_hosts_is_refused(shop: ShopUnderTest) -> None:
    host = _host(shop)
    head = f"GET {API}/products HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n"
    raw = raw_exchange(shop, (head + "Connection: close\r\n\r\n").encode())
    assert_raw_problem(raw, 400)


# --- heads and bodies past the limits -------------------------------------------------------


def test_a_request_target_past_the_limit_is_414(shop: ShopUnderTest) -> None:
    host = _host(shop)
    target = f"{API}/products?q=" + "a" * 70_000
    raw = raw_exchange(shop, f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert_raw_problem(raw, 414)


def test_a_header_block_past_the_limit_is_431(shop: ShopUnderTest) -> None:
    host = _host(shop)
    head = f"GET {API}/products HTTP/1.1\r\nHost: {host}\r\nX-Padding: {'a' * 65_536}\r\n\r\n"
    assert_raw_problem(raw_exchange(shop, head.encode()), 431)


def test_a_chunked_body_past_the_limit_is_413_not_a_truncated_body(shop: ShopUnderTest) -> None:
    host = _host(shop)
    body = json.dumps(
        {"email": unique_email(), "password": "x" * (BODY_LIMIT * 20), "name": "Chunked"}
    ).encode()
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 8192]), body[i : i + 8192])
        for i in range(0, len(body), 8192)
    )
    head = (
        f"POST {API}/customers HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    assert_raw_problem(raw_exchange(shop, head, chunks + b"0\r\n\r\n"), 413)


def test_a_huge_declared_body_that_never_comes_is_413_at_once(shop: ShopUnderTest) -> None:
    host = _host(shop)
    head = (
        f"POST {API}/customers HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024**3}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    raw = raw_exchange(shop, head, timeout=10)
    assert_raw_problem(raw, 413)
    assert time.monotonic() - started < 5, "the 413 waited for a body that never came"


# --- one basket, many checkouts -------------------------------------------------------------


def test_one_basket_checked_out_five_times_at_once_makes_one_order(
    admin: ShopClient, customer: Customer
) -> None:
    product = create_product(admin, stock=10)
    set_basket_item(customer.api, product["id"], 1)
    start = threading.Barrier(5)

    def check_out(_: int) -> httpx.Response:
        start.wait(timeout=30)
        return place_order(customer.api)  # each with a fresh Idempotency-Key

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(check_out, range(5)))

    placed = [answer for answer in answers if answer.status_code == 201]
    assert len(placed) == 1, [(a.status_code, a.text[:200]) for a in answers]
    for answer in answers:
        if answer.status_code != 201:
            body = assert_any_problem(answer, 409)
            assert body["type"].rsplit("/", 1)[-1] in ("basket-empty", "checkout-in-progress")
    order = wait_for_terminal(customer.api, placed[0].json()["id"])
    assert order["status"] == "CONFIRMED"
    assert customer.api.get(f"{API}/orders").json()["total"] == 1
    stock = get_stock(admin, product["id"])
    assert (stock["on_hand"], stock["reserved"]) == (9, 0)


# --- password guessing ----------------------------------------------------------------------


@contextmanager
def _fresh_connection(shop: ShopUnderTest) -> Iterator[ShopClient]:
    with httpx.Client(base_url=shop.base_url, timeout=20) as http:
        yield ShopClient(http)


def test_password_guessing_is_throttled_with_retry_after(shop: ShopUnderTest) -> None:
    with _fresh_connection(shop) as anon:
        victim = register_customer(anon)
        guesses = [
            anon.post(f"{API}/auth/token", json={"email": victim.email, "password": f"guess-{n}"})
            for n in range(FAILED_LOGINS)
        ]
        statuses = [guess.status_code for guess in guesses]
        assert set(statuses) <= {401, 429}, statuses
        # Each server process may count on its own (memory storage): the limit must still be
        # reached well before thirty guesses, and then hold.
        assert statuses[-1] == 429, f"{FAILED_LOGINS} wrong passwords were not throttled"
        throttled = guesses[-1]
        assert_problem(throttled, 429, "too-many-login-attempts")
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        # Other accounts still log in.
        other = register_customer(anon)
        ok = anon.post(f"{API}/auth/token", json={"email": other.email, "password": PASSWORD})
        assert ok.status_code == 200, ok.text


def test_every_operation_documents_the_edge_answers() -> None:
    document = spec.load_spec()
    for path, item in document["paths"].items():
        for method in spec.HTTP_METHODS:
            if method in item:
                documented = set(item[method]["responses"])
                missing = {"400", "408", "413", "414", "431"} - documented
                assert not missing, f"{method.upper()} {path} does not document {missing}"
    token = document["paths"][f"{API}/auth/token"]["post"]["responses"]
    assert "429" in token, "login throttling (429) is not documented"
