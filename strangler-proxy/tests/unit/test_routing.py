"""Route matching without sockets: path patterns, methods, first match wins; and the path
normalisation that refuses what could get a request past a rule."""

import pytest

from strangler_proxy.policy.routing import BadPath, compile_pattern, match, normalise
from strangler_proxy.policy.table import RoutingTable, parse

TABLE = parse(
    """
[upstreams.monolith]
url = "http://127.0.0.1:8000"
[upstreams.catalog]
url = "http://127.0.0.1:9100"
[[routes]]
name = "product-reads"
path = "/api/v1/products/**"
methods = ["GET", "HEAD"]
primary = "catalog"
[[routes]]
name = "one-category"
path = "/api/v1/categories/*"
primary = "catalog"
[[routes]]
name = "rest"
path = "/**"
primary = "monolith"
""",
    env={},
)


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/api/v1/products", "product-reads"),
        ("GET", "/api/v1/products/1/availability", "product-reads"),
        ("POST", "/api/v1/products", "rest"),
        ("GET", "/api/v1/categories/abc", "one-category"),
        ("GET", "/api/v1/categories/abc/x", "rest"),
        ("GET", "/api/v1/productsX", "rest"),
        ("GET", "/", "rest"),
    ],
)
def test_first_matching_rule_wins(method: str, path: str, route: str) -> None:
    found = match(TABLE, method, path)
    assert found is not None and found.name == route


def test_patterns() -> None:
    assert compile_pattern("/").match("/")
    assert not compile_pattern("/").match("/x")
    assert compile_pattern("/a/*/c").match("/a/b/c")
    assert not compile_pattern("/a/*/c").match("/a/b/b/c")


def test_normalise_decodes_and_refuses_smuggling() -> None:
    assert normalise(b"/api/v1/products") == "/api/v1/products"
    assert normalise(b"/caf%C3%A9") == "/café"
    for bad in (
        b"/api/../admin",
        b"/api/%2e%2e/admin",
        b"/a%2fb",
        b"/a%5Cb",
        b"/a\\b",
        b"http://evil.example/",
        b"*",
        b"/a%00",
        "/caf\u00e9".encode(),
    ):
        with pytest.raises(BadPath):
            normalise(bad)


def table_of(routes: str) -> RoutingTable:
    return parse('[upstreams.a]\nurl = "http://127.0.0.1:1"\n' + routes, env={})


def names(table: RoutingTable, method: str, paths: list[str]) -> list[str | None]:
    return [(route.name if (route := match(table, method, p)) else None) for p in paths]


def test_double_star_matches_the_prefix_itself_and_everything_under_it() -> None:
    table = table_of('[[routes]]\nname = "p"\npath = "/api/v1/products/**"\nprimary = "a"\n')
    assert names(
        table,
        "GET",
        ["/api/v1/products", "/api/v1/products/", "/api/v1/products/1/x", "/api/v1/productsX"],
    ) == ["p", "p", "p", None]


def test_a_star_is_exactly_one_non_empty_segment() -> None:
    table = table_of('[[routes]]\nname = "c"\npath = "/categories/*/products"\nprimary = "a"\n')
    assert names(
        table,
        "GET",
        ["/categories/7/products", "/categories//products", "/categories/7/8/products"],
    ) == ["c", None, None]


def test_a_trailing_slash_is_optional_and_literal_characters_are_literal() -> None:
    table = table_of('[[routes]]\nname = "h"\npath = "/v1.0/health"\nprimary = "a"\n')
    assert names(table, "GET", ["/v1.0/health", "/v1.0/health/", "/v1x0/health"]) == [
        "h",
        "h",
        None,
    ]


def test_a_rule_for_other_methods_lets_the_request_fall_through_to_the_next_rule() -> None:
    table = table_of(
        '[[routes]]\nname = "reads"\npath = "/orders/**"\nmethods = ["get", "HEAD"]\n'
        'primary = "a"\n'
        '[[routes]]\nname = "writes"\npath = "/orders/**"\nmethods = ["POST"]\nprimary = "a"\n'
    )
    assert names(table, "GET", ["/orders/1"]) == ["reads"]  # methods are upper-cased
    assert names(table, "HEAD", ["/orders/1"]) == ["reads"]
    assert names(table, "POST", ["/orders/1"]) == ["writes"]
    assert names(table, "DELETE", ["/orders/1"]) == [None]  # no rule takes it: the proxy's 404


def test_the_first_matching_rule_wins_even_over_a_more_specific_one_below() -> None:
    table = table_of(
        '[[routes]]\nname = "all"\npath = "/**"\nprimary = "a"\n'
        '[[routes]]\nname = "specific"\npath = "/api/v1/products"\nprimary = "a"\n'
    )
    assert names(table, "GET", ["/api/v1/products"]) == ["all"]


def test_a_rule_without_methods_takes_every_method() -> None:
    table = table_of('[[routes]]\nname = "any"\npath = "/**"\nprimary = "a"\n')
    assert names(table, "PATCH", ["/x"]) == ["any"]
    assert names(table, "BREW", ["/x"]) == ["any"]
