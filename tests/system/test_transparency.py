"""Step 1's promise, kept at every step: with the strangler proxy in front, every answer is
the own answer of the upstream the step's routing table sends the request to (the monolith,
or from step 3 the catalog service for the catalog's routes).

The step's topology is started once; the same requests (same method, target, headers and body,
with a fixed `X-Request-ID` and `Host`) are sent to that upstream directly and through the
proxy, and the two answers must have

* the same status,
* the same body bytes (as sent, before any decoding), and
* the same headers, compared case-insensitively and as a multiset, apart from the hop-by-hop
  ones (and those a `Connection` header names) and `Date`. The proxy may add nothing and drop
  nothing else.

Session-specific values are masked on both sides before comparing, and only in the samples
marked `session_specific`: the values of the storefront forms' `csrf_token` and
`idempotency_key` fields (new on every render) and the value of a `Set-Cookie` (a session
cookie signed with the time). Everything around them must still match.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

# The contract suite's black-box client makes the test data (tests/contract is on pytest's
# `pythonpath`, see pyproject.toml).
from client import (
    API,
    PASSWORD,
    ShopClient,
    admin_client,
    buy,
    create_category,
    create_product,
    register_customer,
    set_basket_item,
    unique_word,
)

from strangler_proxy.policy.routing import match
from strangler_proxy.policy.table import RoutingTable, load

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
# The routing table names its upstreams' URLs by variable; only their names matter here.
ENV_PLACEHOLDERS = {"MONOLITH_URL": "http://127.0.0.1:1", "CATALOG_URL": "http://127.0.0.1:2"}

# RFC 9110 section 7.6.1, plus the pre-standard ones proxies also treat as hop-by-hop.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
NOT_COMPARED = HOP_BY_HOP | {"date"}  # Date: the two answers are made at different instants
HOST = "localhost"  # the same (trusted) Host on both sides: the monolith builds URLs from it
MASK = b"<masked>"
_FORM_SECRET = re.compile(
    rb'(<input\b[^>]*\bname="(?:csrf_token|idempotency_key)"[^>]*\bvalue=")[^"]*(")'
)
_COOKIE_VALUE = re.compile(r"^([^=;\s]+)=[^;]*")


# --- the comparison (also unit-tested below, without the shop) ---------------------------


def comparable_headers(headers: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """Header lines as a multiset of (lower-case name, value), without the uncompared ones."""
    lines = [(name.lower(), value) for name, value in headers]
    named = {
        token.strip().lower()
        for name, value in lines
        if name == "connection"
        for token in value.split(",")
    }
    return Counter(line for line in lines if line[0] not in NOT_COMPARED | named)


def header_differences(
    direct: Iterable[tuple[str, str]], proxied: Iterable[tuple[str, str]]
) -> list[str]:
    """`+ name: value` for a line only the proxy sent, `- name: value` for one it lost,
    `~ name: ...` for lines of one name sent in another order (which can change meaning)."""
    direct, proxied = list(direct), list(proxied)
    mine, theirs = comparable_headers(direct), comparable_headers(proxied)
    added = [f"+ {name}: {value}" for name, value in sorted((theirs - mine).elements())]
    dropped = [f"- {name}: {value}" for name, value in sorted((mine - theirs).elements())]
    reordered = [
        f"~ {name}: {values(direct, name)} became {values(proxied, name)}"
        for name in sorted({name for name, _ in mine})
        if not added + dropped and values(direct, name) != values(proxied, name)
    ]
    return added + dropped + reordered


def values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


def mask_session_values(
    headers: list[tuple[str, str]], body: bytes
) -> tuple[list[tuple[str, str]], bytes]:
    """The CSRF and idempotency key fields' values and Set-Cookie values, masked."""
    masked = [
        (name, _COOKIE_VALUE.sub(r"\1=<masked>", value))
        if name.lower() == "set-cookie"
        else (name, value)
        for name, value in headers
    ]
    return masked, _FORM_SECRET.sub(rb"\1" + MASK + rb"\2", body)


def test_an_added_header_is_caught() -> None:
    direct = [("Content-Type", "application/json"), ("Content-Length", "2")]
    proxied = [*direct, ("Via", "1.1 strangler-proxy")]

    assert header_differences(direct, proxied) == ["+ via: 1.1 strangler-proxy"]


def test_a_dropped_or_changed_header_is_caught() -> None:
    direct = [("ETag", '"abc"'), ("Vary", "Cookie"), ("Vary", "Accept")]
    proxied = [("ETag", '"abc-gzip"'), ("Vary", "Cookie")]

    assert header_differences(direct, proxied) == [
        '+ etag: "abc-gzip"',
        '- etag: "abc"',
        "- vary: Accept",
    ]


def test_the_order_of_lines_of_one_name_is_kept() -> None:
    direct = [("Set-Cookie", "a=1"), ("X-Other", "x"), ("Set-Cookie", "b=2")]
    proxied = [("X-Other", "x"), ("Set-Cookie", "b=2"), ("Set-Cookie", "a=1")]

    assert header_differences(direct, proxied) == [
        "~ set-cookie: ['a=1', 'b=2'] became ['b=2', 'a=1']"
    ]
    assert header_differences(direct, [*proxied[:1], *direct[::2]]) == []


def test_names_are_compared_case_insensitively_and_hop_by_hop_and_date_are_ignored() -> None:
    direct = [
        ("content-type", "text/html"),
        ("Date", "Mon, 01 Jan 2029 00:00:00 GMT"),
        ("Keep-Alive", "timeout=5"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
    ]
    proxied = [
        ("Content-Type", "text/html"),
        ("Date", "Mon, 01 Jan 2029 00:00:01 GMT"),
        ("Transfer-Encoding", "chunked"),
    ]

    assert header_differences(direct, proxied) == []
    assert header_differences(proxied, [("Content-Type", "text/html; charset=utf-8")]) == [
        "+ content-type: text/html; charset=utf-8",
        "- content-type: text/html",
    ]


def test_masking_touches_only_the_session_specific_values() -> None:
    body = (
        b'<input id="csrf_token" name="csrf_token" type="hidden" value="Ijk0.abc">'
        b'<input name="idempotency_key" type="hidden" value="5f0e">'
        b'<input name="quantity" value="2">'
    )
    headers = [("Set-Cookie", "session=eyJ.x.y; HttpOnly; Path=/; SameSite=Lax")]

    masked_headers, masked_body = mask_session_values(headers, body)

    assert masked_headers == [("Set-Cookie", "session=<masked>; HttpOnly; Path=/; SameSite=Lax")]
    assert masked_body == (
        b'<input id="csrf_token" name="csrf_token" type="hidden" value="<masked>">'
        b'<input name="idempotency_key" type="hidden" value="<masked>">'
        b'<input name="quantity" value="2">'
    )


# --- the shop: the step's topology, and data made through the proxy ---------------------


# Each upstream of the routing tables, and the topology's process that serves it.
UPSTREAM_PROCESSES = {"monolith": "monolith-web", "catalog": "catalog-http"}


@dataclass(frozen=True)
class Shop:
    direct: dict[str, str]  # each upstream's own process, by the routing table's name
    proxied: str  # the entry: the strangler proxy in front of them
    admin_email: str
    admin_password: str
    table: RoutingTable  # the one the proxy routes by

    def upstream(self, sample: Sample) -> str:
        """Where the proxy sends the sample's request (a `route` rule's primary)."""
        route = match(self.table, sample.method, sample.path.split("?")[0])
        assert route is not None and route.mode == "route", sample
        return route.primary


@dataclass
class Data:
    category: dict[str, Any]
    word: str
    products: list[dict[str, Any]]
    order: dict[str, Any]
    customer_token: str
    other_token: str
    admin_token: str
    storefront_cookie: str  # a logged-in storefront session of the customer


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    import shop_topology

    with shop_topology.start(database="postgres") as running:
        assert running.topology.entry == "strangler-proxy"
        proxy = running.topology.process("strangler-proxy")
        routes = proxy.command[proxy.command.index("--routes") + 1]
        routes = routes.replace("{workdir}", str(running.workdir))
        table = load(running.topology.root / routes, env=dict(os.environ) | ENV_PLACEHOLDERS)
        direct = {
            name: running.url(process)
            for name, process in UPSTREAM_PROCESSES.items()
            if process in running.processes
        }
        assert set(direct) == {route.primary for route in table.routes}
        yield Shop(direct, running.base_url, running.admin_email, running.admin_password, table)


@pytest.fixture(scope="module")
def data(shop: Shop) -> Iterator[Data]:
    with httpx.Client(base_url=shop.proxied, timeout=20, trust_env=False) as http:
        admin = admin_client(http, shop.admin_email, shop.admin_password)
        anon = ShopClient(http)
        category = create_category(admin)
        word = unique_word()
        products = [
            create_product(admin, name=f"Lamp {word}", price=1500, stock=10),
            create_product(
                admin, name=f"Desk {word}", price=9900, stock=3, category_id=category["id"]
            ),
        ]
        customer, other = register_customer(anon), register_customer(anon)
        _, order = buy(admin, customer.api)
        set_basket_item(customer.api, products[0]["id"], 2)
        cookie = storefront_login(shop.proxied, customer.email)
        admin_token = admin.current_token()
        assert admin_token is not None
        yield Data(
            category,
            word,
            products,
            order,
            customer_token=str(customer.api.token),
            other_token=str(other.api.token),
            admin_token=admin_token,
            storefront_cookie=cookie,
        )


def storefront_login(base_url: str, email: str) -> str:
    """Log in through the storefront form; the session cookie, its welcome message shown."""
    with httpx.Client(base_url=base_url, timeout=20, trust_env=False) as browser:
        page = browser.get("/login")
        [token] = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        form = {"csrf_token": token, "email": email, "password": PASSWORD, "next": "/"}
        response = browser.post("/login", data=form)
        assert response.status_code == 303, response.text[:500]
        assert browser.get("/").status_code == 200  # shows (and so clears) the flash message
        return f"session={browser.cookies['session']}"


# --- the samples ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    auth: str | None = None  # "customer", "other", "admin": send that caller's bearer token
    storefront_session: bool = False  # send the logged-in storefront session cookie
    session_specific: bool = False  # mask CSRF and idempotency keys and cookie values
    expect: int | None = None  # the status both must answer (guards the sample itself)


def samples(data: Data) -> list[Sample]:
    product, desk = data.products[0]["id"], data.products[1]["id"]
    order, category = data.order["id"], data.category["id"]
    missing = "00000000-0000-4000-8000-000000000000"
    slug = data.category["slug"]
    json_header = {"Content-Type": "application/json"}
    return [
        # operational
        Sample("healthz", "GET", "/healthz", expect=200),
        Sample("readyz", "GET", "/readyz", expect=200),
        Sample("openapi", "GET", f"{API}/openapi.json", expect=200),
        # catalog
        Sample("categories", "GET", f"{API}/categories", expect=200),
        Sample("category", "GET", f"{API}/categories/{category}", expect=200),
        Sample("category 404", "GET", f"{API}/categories/{missing}", expect=404),
        Sample("products", "GET", f"{API}/products", expect=200),
        Sample(
            "products searched, sorted, paged",
            "GET",
            f"{API}/products?q={data.word}&sort=-price&page=1&per_page=1",
            expect=200,
        ),
        Sample(
            "products by category and price",
            "GET",
            f"{API}/products?category={slug}&min_price=100&max_price=100000&sort=name",
            expect=200,
        ),
        Sample(
            "products with encoded and repeated query",
            "GET",
            f"{API}/products?q=Lamp%20{data.word}&q=x&sort=name&unknown=%C3%A9",
        ),
        Sample("products bad sort", "GET", f"{API}/products?sort=sideways", expect=400),
        Sample("products bad page", "GET", f"{API}/products?page=-1&per_page=abc", expect=400),
        Sample("product", "GET", f"{API}/products/{product}", expect=200),
        Sample("product not a uuid", "GET", f"{API}/products/not-a-uuid"),
        Sample("product 404", "GET", f"{API}/products/{missing}", expect=404),
        Sample("availability", "GET", f"{API}/products/{desk}/availability", expect=200),
        # customers, basket, orders
        Sample("me anonymous 401", "GET", f"{API}/customers/me", expect=401),
        Sample(
            "me bad token 401",
            "GET",
            f"{API}/customers/me",
            headers={"Authorization": "Bearer not-a-token"},
            expect=401,
        ),
        Sample("me", "GET", f"{API}/customers/me", auth="customer", expect=200),
        Sample("basket", "GET", f"{API}/basket", auth="customer", expect=200),
        Sample("orders", "GET", f"{API}/orders", auth="customer", expect=200),
        Sample("order", "GET", f"{API}/orders/{order}", auth="customer", expect=200),
        Sample("someone else's order", "GET", f"{API}/orders/{order}", auth="other", expect=404),
        Sample("admin as customer 403", "GET", f"{API}/admin/products", auth="customer"),
        Sample("admin products", "GET", f"{API}/admin/products", auth="admin", expect=200),
        Sample("admin stock", "GET", f"{API}/admin/products/{desk}/stock", auth="admin"),
        Sample(
            "admin stock movements",
            "GET",
            f"{API}/admin/products/{desk}/stock-movements?per_page=5",
            auth="admin",
        ),
        Sample("admin orders", "GET", f"{API}/admin/orders?per_page=5", auth="admin"),
        # problems: validation, malformed JSON, wrong media type, 404, 405
        Sample(
            "register fails validation",
            "POST",
            f"{API}/customers",
            headers=json_header,
            content=b'{"email": "not-an-email", "password": "x", "name": ""}',
        ),
        Sample(
            "login malformed json",
            "POST",
            f"{API}/auth/token",
            headers=json_header,
            content=b'{"email": ',
        ),
        Sample(
            "basket item wrong type",
            "PUT",
            f"{API}/basket/items/{product}",
            headers=json_header,
            content=b'{"quantity": "two"}',
            auth="customer",
        ),
        Sample("order without idempotency key", "POST", f"{API}/orders", auth="customer"),
        Sample("api 404", "GET", f"{API}/no-such-thing", expect=404),
        Sample("page 404", "GET", "/no/such/page", expect=404),
        Sample("405 with Allow", "DELETE", f"{API}/products", expect=405),
        Sample("405 on a page", "PUT", "/", expect=405),
        Sample("OPTIONS", "OPTIONS", f"{API}/products"),
        Sample("HEAD api", "HEAD", f"{API}/products?per_page=2", expect=200),
        Sample("HEAD page", "HEAD", "/static/shop.css", expect=200),
        # storefront
        Sample("storefront", "GET", f"/?q={data.word}&sort=price", expect=200),
        Sample(
            "storefront by category, logged in",
            "GET",
            f"/?category={slug}",
            storefront_session=True,
            session_specific=True,
            expect=200,
        ),
        Sample("storefront product", "GET", f"/products/{product}", session_specific=True),
        Sample("login page", "GET", "/login?next=/basket", session_specific=True, expect=200),
        Sample("register page", "GET", "/register", session_specific=True, expect=200),
        Sample("basket page anonymous", "GET", "/basket"),
        Sample("basket page", "GET", "/basket", storefront_session=True, session_specific=True),
        Sample("checkout page", "GET", "/checkout", storefront_session=True, session_specific=True),
        Sample("orders page", "GET", "/orders", storefront_session=True, session_specific=True),
        Sample(
            "order page",
            "GET",
            f"/orders/{order}",
            storefront_session=True,
            session_specific=True,
        ),
        Sample("POST without csrf token", "POST", "/logout", storefront_session=True),
        # static
        Sample("css", "GET", "/static/shop.css", expect=200),
        Sample("css range", "GET", "/static/shop.css", headers={"Range": "bytes=0-9"}),
        Sample("static 404", "GET", "/static/nope.css", expect=404),
    ]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def send(http: httpx.Client, sample: Sample, data: Data, request_id: str) -> Answer:
    headers = {"Host": HOST, "X-Request-ID": request_id, **sample.headers}
    if sample.auth is not None:
        token = {
            "customer": data.customer_token,
            "other": data.other_token,
            "admin": data.admin_token,
        }[sample.auth]
        headers["Authorization"] = f"Bearer {token}"
    if sample.storefront_session:
        headers["Cookie"] = data.storefront_cookie
    request = http.build_request(
        sample.method, sample.path, headers=headers, content=sample.content
    )
    response = http.send(request, stream=True)
    try:
        body = b"".join(response.iter_raw())  # as sent: no decompression
    finally:
        response.close()
    return Answer(response.status_code, list(response.headers.multi_items()), body)


def conditional_samples(css_etag: str) -> list[Sample]:
    return [
        Sample(
            "css not modified",
            "GET",
            "/static/shop.css",
            headers={"If-None-Match": css_etag},
            expect=304,
        )
    ]


@dataclass
class Clients:
    direct: dict[str, httpx.Client]  # by upstream
    proxied: httpx.Client
    shop: Shop

    def of(self, sample: Sample) -> tuple[str, httpx.Client]:
        upstream = self.shop.upstream(sample)
        return upstream, self.direct[upstream]


@pytest.fixture(scope="module")
def clients(shop: Shop) -> Iterator[Clients]:
    options: dict[str, Any] = {"timeout": 20, "trust_env": False, "follow_redirects": False}
    with ExitStack() as stack:
        direct = {
            name: stack.enter_context(httpx.Client(base_url=url, **options))
            for name, url in shop.direct.items()
        }
        proxied = stack.enter_context(httpx.Client(base_url=shop.proxied, **options))
        yield Clients(direct, proxied, shop)


def compare(sample: Sample, data: Data, clients: Clients, index: int) -> tuple[int, list[str]]:
    """The direct status, and what differs between the direct and the proxied answer."""
    request_id = f"transparency-{index:03d}"
    upstream, own = clients.of(sample)
    direct = send(own, sample, data, request_id)
    proxied = send(clients.proxied, sample, data, request_id)
    problems = []
    if sample.expect is not None and direct.status != sample.expect:
        problems.append(f"{upstream} answered {direct.status}, the sample expects {sample.expect}")
    if direct.status != proxied.status:
        problems.append(f"status {direct.status} from {upstream}, {proxied.status} proxied")
    direct_headers, direct_body = direct.headers, direct.body
    proxied_headers, proxied_body = proxied.headers, proxied.body
    if sample.session_specific:
        direct_headers, direct_body = mask_session_values(direct_headers, direct_body)
        proxied_headers, proxied_body = mask_session_values(proxied_headers, proxied_body)
    if direct_body != proxied_body:
        problems.append(
            f"body differs ({len(direct_body)} bytes direct, {len(proxied_body)} proxied):"
            f"\n  direct:  {direct_body[:300]!r}\n  proxied: {proxied_body[:300]!r}"
        )
    problems += [f"header {line}" for line in header_differences(direct_headers, proxied_headers)]
    echoed = [v for n, v in proxied.headers if n.lower() == "x-request-id"]
    if echoed != [request_id]:
        problems.append(f"X-Request-ID through the proxy: {echoed}, not [{request_id!r}]")
    return direct.status, problems


def test_every_sampled_answer_is_the_same_through_the_proxy(data: Data, clients) -> None:
    css = clients.direct["monolith"].get("/static/shop.css")
    all_samples = samples(data) + conditional_samples(css.headers["ETag"])
    failures, statuses = {}, set()
    for index, sample in enumerate(all_samples):
        status, problems = compare(sample, data, clients, index)
        statuses.add(status)
        if problems:
            failures[f"{sample.method} {sample.path} ({sample.name})"] = problems

    report = "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in failures.items())
    assert not failures, f"{len(failures)} of {len(all_samples)} samples differ:\n{report}"
    # The sample list itself must keep covering successes, redirects, ranges and problems.
    assert {200, 206, 302, 304, 400, 401, 403, 404, 405, 422} <= statuses, sorted(statuses)
    assert {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"} <= {s.method for s in all_samples}


def test_the_proxied_url_really_is_the_proxy(shop: Shop, clients) -> None:
    """The one difference by design (ADR-0007): the proxy refuses an encoded slash itself,
    before routing, with a problem of its own; the monolith answers it with its own 400."""
    direct, proxied = (
        http.get(f"{API}/products%2Fx") for http in (clients.direct["monolith"], clients.proxied)
    )

    assert (direct.status_code, direct.headers.get("X-Strangler-Error")) == (400, None)
    assert (proxied.status_code, proxied.headers.get("X-Strangler-Error")) == (400, "proxy")
    assert proxied.json()["type"].startswith("https://shop.example/problems/proxy/")
