import pytest

from strangler_proxy.policy.routing import BadPath, compile_pattern, match, normalise
from strangler_proxy.policy.table import parse

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
