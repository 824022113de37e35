import pytest

from strangler_proxy.config import ConfigError, parse

BASE = """
[upstreams.monolith]
url = "${MONOLITH_URL}"
[upstreams.catalog]
url = "http://127.0.0.1:9100"
"""


def table(routes: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse(BASE + routes, env={"MONOLITH_URL": "http://127.0.0.1:8000"} | (env or {}))


def test_a_valid_table_with_environment_urls() -> None:
    parsed = table('[[routes]]\npath = "/**"\nprimary = "monolith"\n')
    assert parsed.upstreams["monolith"].port == 8000
    assert parsed.routes[0].mode == "route" and parsed.routes[0].methods is None


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ('[[routes]]\npath = "/**"\nprimary = "nowhere"\n', "is not a configured upstream"),
        ('[[routes]]\npath = "/**"\n', "primary is required"),
        ('[[routes]]\npath = "/**"\nprimary = "monolith"\nmode = "mirror"\n', "mode must be"),
        ('[[routes]]\npath = "/**"\nprimary = "monolith"\nmode = "canary"\n', "needs a candidate"),
        ('[[routes]]\npath = "api"\nprimary = "monolith"\n', "must start with /"),
        (
            '[[routes]]\npath = "/**"\nprimary = "monolith"\ncandidate = "catalog"\n'
            'mode = "canary"\ncanary_percent = 150\n',
            "between 0 and 100",
        ),
        ("", "has no routes"),
        ("[[routes\n", "routing table"),
    ],
)
def test_invalid_tables_say_what_is_wrong(routes: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        table(routes)


def test_a_missing_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="MONOLITH_URL is not set"):
        parse(BASE + '[[routes]]\npath = "/**"\nprimary = "monolith"\n', env={})


def test_only_plain_http_upstream_origins_are_accepted() -> None:
    for url in ("https://x:1", "http://x:1/prefix", "ftp://x", "127.0.0.1:80"):
        with pytest.raises(ConfigError, match="url must be"):
            parse(f'[upstreams.a]\nurl = "{url}"\n[[routes]]\npath = "/"\nprimary = "a"\n', env={})


def test_shadowing_unsafe_methods_needs_an_explicit_opt_in() -> None:
    route = (
        '[[routes]]\npath = "/**"\nprimary = "monolith"\ncandidate = "catalog"\n'
        'mode = "shadow"\nshadow_methods = ["GET", "POST"]\n'
    )
    with pytest.raises(ConfigError, match="would do writes twice"):
        table(route)
    allowed = table(route + "shadow_unsafe = true\n").routes[0]
    assert allowed.shadow_methods == frozenset({"GET", "POST"})


def test_shadow_ignore_is_read_and_kept_through_runtime_changes() -> None:
    from strangler_proxy.config import with_route_changed

    parsed = table(
        '[[routes]]\nname = "r"\npath = "/**"\nprimary = "monolith"\ncandidate = "catalog"\n'
        'mode = "shadow"\nshadow_ignore = ["*.id", "created_at"]\n'
    )
    assert parsed.routes[0].shadow_ignore == ("*.id", "created_at")
    changed = with_route_changed(parsed, "r", {"mode": "canary", "canary_percent": 10})
    assert changed.routes[0].shadow_ignore == ("*.id", "created_at")
    assert (changed.routes[0].mode, changed.routes[0].canary_percent) == ("canary", 10.0)
