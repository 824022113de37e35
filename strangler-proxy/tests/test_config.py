import json
from pathlib import Path

import pytest

from strangler_proxy.control.changes import Control
from strangler_proxy.control.metrics import Metrics
from strangler_proxy.policy.proxy import Proxy
from strangler_proxy.policy.table import ConfigError, load, parse, with_route_changed

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
    parsed = table(
        '[[routes]]\nname = "r"\npath = "/**"\nprimary = "monolith"\ncandidate = "catalog"\n'
        'mode = "shadow"\nshadow_ignore = ["*.id", "created_at"]\n'
    )
    assert parsed.routes[0].shadow_ignore == ("*.id", "created_at")
    changed = with_route_changed(parsed, "r", {"mode": "canary", "canary_percent": 10})
    assert changed.routes[0].shadow_ignore == ("*.id", "created_at")
    assert (changed.routes[0].mode, changed.routes[0].canary_percent) == ("canary", 10.0)


def test_settings_have_nginx_like_defaults_and_are_read_from_the_table() -> None:
    from strangler_proxy.settings import Limits

    defaults = table('[[routes]]\npath = "/**"\nprimary = "monolith"\n').settings
    assert defaults.limits == Limits()
    assert (defaults.limits.max_request_line_bytes, defaults.limits.max_header_bytes) == (
        8192,
        32768,
    )
    assert defaults.limits.keepalive_timeout_seconds == 75.0
    assert defaults.limits.max_client_connections == 1024
    assert (defaults.breaker.breaker_failure_rate, defaults.breaker.breaker_min_requests) == (
        0.5,
        20,
    )
    chosen = parse(
        "[settings]\nmax_header_bytes = 4096\nclient_header_timeout_seconds = 5\n"
        "breaker_window_seconds = 30\nshadow_noise_sample = 0\n"
        + BASE
        + '[[routes]]\npath = "/**"\nprimary = "monolith"\n',
        env={"MONOLITH_URL": "http://127.0.0.1:8000"},
    ).settings
    assert chosen.limits.max_header_bytes == 4096
    assert chosen.limits.client_header_timeout_seconds == 5.0
    assert chosen.breaker.breaker_window_seconds == 30.0
    assert chosen.shadow.shadow_noise_sample == 0.0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("max_header_byte = 4096", "unknown settings max_header_byte"),
        ("max_header_bytes = 0", "must be greater than 0"),
        ("max_header_bytes = 10.5", "must be a whole number"),
        ('keepalive_timeout_seconds = "75s"', "must be a number"),
        ("max_client_connections = true", "must be a number"),
        ("breaker_failure_rate = 50", "a fraction between 0 and 1"),
        ("client_body_timeout_seconds = -1", "must be greater than 0"),
    ],
)
def test_invalid_settings_say_what_is_wrong(setting: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(
            f"[settings]\n{setting}\n{BASE}" + '[[routes]]\npath = "/**"\nprimary = "monolith"\n',
            env={"MONOLITH_URL": "http://127.0.0.1:8000"},
        )


ROUTE = '[[routes]]\nname = "r"\npath = "/**"\nprimary = "monolith"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("settings = 5\n" + BASE + ROUTE, "settings must be a table"),
        ("upstreams = 5\n" + ROUTE, "upstreams must be a table"),
        (
            '[upstreams.x]\nurl = "http://127.0.0.1:1"\ntimeout = "soon"\n' + ROUTE,
            "timeout must be",
        ),
        (
            '[upstreams.x]\nurl = "http://x:1"\nmax_connections = "many"\n' + ROUTE,
            "max_connections",
        ),
        ("routes = 5\n" + BASE, "routes must be an array of tables"),
        (
            BASE.replace(
                'url = "http://127.0.0.1:9100"', 'url = "http://127.0.0.1:9100"\ntimout = 3'
            )
            + ROUTE,
            "upstream catalog: unknown key 'timout'",
        ),
        ("[setings]\nmax_body_bytes = 1\n" + BASE + ROUTE, "unknown key 'setings'"),
        (BASE + ROUTE + ROUTE, "route names must be unique: r repeated"),
    ],
)
def test_tables_and_values_of_the_wrong_shape_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text, env={"MONOLITH_URL": "http://127.0.0.1:8000"})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('methods = "GET"', "route r: methods must be a list of strings"),
        ('shadow_ignore = "*.id"', "route r: shadow_ignore must be a list of strings"),
        ('canary_percent = "some"', "route r: canary_percent must be a number"),
        ("canary_percent = true", "route r: canary_percent must be a number"),
        ('fallback = "false"', "route r: fallback must be true or false"),
        ("shadow_unsafe = 1", "route r: shadow_unsafe must be true or false"),
        ("methods = []", "route r: methods is empty"),
        ("fallbak = true", "route r: unknown key 'fallbak'"),
    ],
)
def test_route_values_of_the_wrong_type_name_their_key(line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        table(ROUTE + line + "\n")


def test_a_runtime_change_of_the_wrong_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="canary_percent must be a number"):
        with_route_changed(table(ROUTE), "r", {"canary_percent": "ten"})


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("max_header_byte = 4096", "unknown settings max_header_byte"),
        (
            'keepalive_timeout_seconds = "75s"',
            "settings.keepalive_timeout_seconds must be a number",
        ),
        ("max_header_count = 9.5", "settings.max_header_count must be a whole number"),
    ],
)
def test_a_reload_refuses_an_unknown_or_mistyped_setting_and_names_it(
    tmp_path: Path, setting: str, named: str
) -> None:
    routes, audit = tmp_path / "routes.toml", tmp_path / "audit.jsonl"
    good = '[upstreams.monolith]\nurl = "http://127.0.0.1:8000"\n' + ROUTE
    routes.write_text(good)
    proxy = Proxy(load(routes), Metrics())
    control = Control(proxy, routes, audit)
    running = proxy.table
    routes.write_text(f"[settings]\n{setting}\n{good}")
    ok, message = control.reload("test")
    assert not ok and named in message
    assert proxy.table is running  # the running table stays
    record = json.loads(audit.read_text().splitlines()[-1])
    assert record["action"] == "reload-refused" and named in record["error"]
