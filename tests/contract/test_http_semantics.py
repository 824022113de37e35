"""HTTP semantics every route keeps, whoever serves it: HEAD and conditional requests.

HEAD answers what GET answers (status and headers) without a body, for every GET of the
contract (found in openapi.yaml, with real ids made here), as every caller and for the
problems too, and for the documents and static files the shop serves besides. The static
files carry validators (`ETag`, `Last-Modified`): a conditional GET or HEAD that matches them
is answered 304 without a body. After either, the same connection carries the next request:
a body sent where none belongs would be read as the start of the next answer.

The API's JSON answers carry no validators today, and none is required of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import spec
from client import (
    API,
    ShopClient,
    ShopUnderTest,
    buy,
    create_category,
    create_product,
    register_customer,
    unique_word,
)
from problems import describe
from samples import caller_for

# Headers that differ between any two answers, by design.
PER_ANSWER = frozenset({"date", "x-request-id", "connection", "keep-alive"})
ATTEMPTS = 3  # GET, HEAD, GET again when another client changed the resource in between
OTHER_DOCUMENTS = [f"{API}/openapi.json", "/healthz", "/readyz", "/static/shop.css"]
STATIC_FILE = "/static/shop.css"
# What a 304 must carry when the 200 would (RFC 9110, 15.4.5).
KEPT_BY_304 = ("cache-control", "content-location", "etag", "expires", "vary")


@dataclass(frozen=True)
class World:
    """Real ids for every path parameter, and callers entitled to each route."""

    admin: ShopClient
    customer: ShopClient
    anon: ShopClient
    values: dict[str, str]
    word: str


@pytest.fixture(scope="module")
def world(anon: ShopClient, admin: ShopClient) -> World:
    word = unique_word()
    category = create_category(admin)
    product = create_product(
        admin, name=f"Head {word}", stock=5, category_id=category["id"], price=2500
    )
    buyer = register_customer(anon, name="Head Buyer")
    _, order = buy(admin, buyer.api)
    values = {"category_id": category["id"], "product_id": product["id"], "order_id": order["id"]}
    return World(admin, buyer.api, anon, values, word)


@pytest.fixture
def connection(shop: ShopUnderTest) -> Iterator[httpx.Client]:
    """A client with a single connection, so one request follows another on it."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=shop.base_url, timeout=20.0, limits=limits) as client:
        yield client


def local_address(response: httpx.Response) -> Any:
    stream = response.extensions.get("network_stream")
    return stream.get_extra_info("client_addr") if stream is not None else None


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]]]:
    """Status and headers, apart from those that differ between any two answers."""
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() not in PER_ANSWER
    )
    return response.status_code, headers


def send(
    http: httpx.Client, method: str, path: str, caller: ShopClient | None, **headers: str
) -> httpx.Response:
    sent = dict(headers)
    token = caller.current_token() if caller is not None else None
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return http.request(method, path, headers=sent)


def assert_head_is_get_without_body(
    http: httpx.Client, path: str, caller: ShopClient | None, **headers: str
) -> httpx.Response:
    """HEAD answers GET's status and headers and no body; the GET after it, on the same
    connection, is whole. The GET's answer."""
    tried = []
    for _ in range(ATTEMPTS):
        before = send(http, "GET", path, caller, **headers)
        head = send(http, "HEAD", path, caller, **headers)
        after = send(http, "GET", path, caller, **headers)
        assert head.content == b"", f"HEAD {path} answered a body:{describe(head)}"
        if "close" not in head.headers.get("connection", "").lower():
            assert local_address(after) == local_address(head), (
                f"HEAD {path} left its connection unusable: the next request needed another"
            )
        if (comparable(before), before.content) != (comparable(after), after.content):
            tried.append(f"{before.status_code} then {after.status_code}")  # changed meanwhile
            continue
        assert comparable(head) == comparable(before), (
            f"HEAD {path} differs from GET:\n  GET:  {comparable(before)}\n"
            f"  HEAD: {comparable(head)}"
        )
        if "content-length" in before.headers:
            assert int(before.headers["content-length"]) == len(before.content)
        return before
    pytest.fail(f"GET {path} answered differently every time: {tried}")


GET_OPERATIONS = [op for op in spec.operations() if op.method == "get"]


@pytest.mark.parametrize("op", GET_OPERATIONS, ids=str)
def test_head_answers_like_get_on_every_route_of_the_contract(
    op: spec.Operation, world: World, connection: httpx.Client
) -> None:
    caller = caller_for(op, admin=world.admin, customer=world.customer, anon=world.anon)
    path = op.url(**world.values)
    if {"page", "per_page"} <= set(op.query_params):
        path += "?per_page=2&page=1"
    if "q" in op.query_params:
        path += f"&q={world.word}"
    answer = assert_head_is_get_without_body(connection, path, caller)
    assert answer.status_code == 200, describe(answer)

    refused: list[tuple[str, ShopClient | None]] = []
    if op.secured:
        refused.append((path, None))
        refused.append((path, world.anon.with_token("not-a-real-token")))
    if op.admin_only:
        refused.append((path, world.customer))
    if op.path_params:
        unknown = op.url(**{name: str(uuid.uuid4()) for name in op.path_params})
        refused.append((unknown, caller))
        refused.append((op.url(**dict.fromkeys(op.path_params, "not-a-uuid")), caller))
    if "page" in op.query_params:
        refused.append((path.replace("page=1", "page=0"), caller))
    for refused_path, refused_caller in refused:
        answer = assert_head_is_get_without_body(connection, refused_path, refused_caller)
        assert 400 <= answer.status_code < 500, describe(answer)


@pytest.mark.parametrize("path", OTHER_DOCUMENTS)
def test_head_answers_like_get_for_the_shops_other_documents(
    path: str, connection: httpx.Client
) -> None:
    answer = assert_head_is_get_without_body(connection, path, None)
    assert answer.status_code == 200, describe(answer)


@pytest.mark.parametrize(
    "path",
    ["/static/no-such-file.css", f"{API}/no-such-resource", f"{API}/products%2Fx"],
)
def test_head_answers_like_get_for_paths_that_do_not_exist(
    path: str, connection: httpx.Client
) -> None:
    answer = assert_head_is_get_without_body(connection, path, None)
    assert 400 <= answer.status_code < 500, describe(answer)


def static_validators(http: httpx.Client) -> httpx.Response:
    response = http.get(STATIC_FILE)
    assert response.status_code == 200, describe(response)
    assert response.content, "the static file is empty"
    assert response.headers.get("etag"), f"no ETag on {STATIC_FILE}:{describe(response)}"
    assert response.headers.get("last-modified"), f"no Last-Modified:{describe(response)}"
    return response


def assert_not_modified(
    http: httpx.Client, full: httpx.Response, method: str, headers: dict[str, str]
) -> None:
    """A 304 without a body, keeping what it must of the 200; the connection carries on."""
    response = http.request(method, STATIC_FILE, headers=headers)
    assert response.status_code == 304, f"{headers}:{describe(response)}"
    assert response.content == b"", f"a 304 with a body:{describe(response)}"
    for name in KEPT_BY_304:
        assert response.headers.get(name) == full.headers.get(name), (
            f"the 304 does not keep {name} of the 200:{describe(response)}"
        )
    after = http.get(STATIC_FILE)
    assert after.status_code == 200, describe(after)
    assert after.content == full.content, "the answer after a 304 is not the whole file"
    if "close" not in response.headers.get("connection", "").lower():
        assert local_address(after) == local_address(response), (
            "the connection after a 304 was not usable for the next request"
        )


def assert_modified(http: httpx.Client, full: httpx.Response, headers: dict[str, str]) -> None:
    response = http.get(STATIC_FILE, headers=headers)
    assert response.status_code == 200, f"{headers}:{describe(response)}"
    assert response.content == full.content


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_matching_if_none_match_is_not_modified(connection: httpx.Client, method: str) -> None:
    full = static_validators(connection)
    etag = full.headers["etag"]
    weak = etag if etag.startswith("W/") else f"W/{etag}"  # If-None-Match compares weakly
    for value in (etag, weak, f'"not-this-one", {etag}', "*"):
        assert_not_modified(connection, full, method, {"If-None-Match": value})
    # If-None-Match decides when both are sent (RFC 9110, 13.2.2).
    both = {"If-None-Match": etag, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}
    assert_not_modified(connection, full, method, both)


def test_an_if_none_match_that_does_not_match_gets_the_file(connection: httpx.Client) -> None:
    full = static_validators(connection)
    last_modified = full.headers["last-modified"]
    assert_modified(connection, full, {"If-None-Match": '"not-this-one"'})
    assert_modified(
        connection, full, {"If-None-Match": '"not-this-one"', "If-Modified-Since": last_modified}
    )


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_modified_since_its_last_modification_is_not_modified(
    connection: httpx.Client, method: str
) -> None:
    full = static_validators(connection)
    last_modified = full.headers["last-modified"]
    assert_not_modified(connection, full, method, {"If-Modified-Since": last_modified})
    assert_modified(connection, full, {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
