import pytest

from shop_topology import TopologyError
from shop_topology.render import render, render_argv, render_env


def test_placeholders_are_replaced_by_their_values() -> None:
    assert render("127.0.0.1:{port}", {"port": 8123}) == "127.0.0.1:8123"
    assert render("{a}-{b}-{a}", {"a": "x", "b": 1}) == "x-1-x"


def test_text_without_placeholders_is_left_alone() -> None:
    template = "shop_monolith.web.app:create_app()"
    assert render(template, {"port": 1}) == template


def test_doubled_braces_stand_for_literal_braces() -> None:
    assert render('{{"port": {port}}}', {"port": 80}) == '{"port": 80}'


def test_an_unknown_placeholder_is_an_error_naming_it_and_the_known_ones() -> None:
    with pytest.raises(TopologyError) as raised:
        render("--bind {host}:{port}", {"port": 1})

    assert "{host}" in str(raised.value)
    assert "known: port" in str(raised.value)


def test_argv_and_env_are_rendered_element_by_element() -> None:
    values = {"port": 5, "database_url": "sqlite:///x.db"}

    assert render_argv(["serve", "--port", "{port}"], values) == ["serve", "--port", "5"]
    assert render_env({"DATABASE_URL": "{database_url}", "MODE": "json"}, values) == {
        "DATABASE_URL": "sqlite:///x.db",
        "MODE": "json",
    }


def test_qualified_placeholders_name_a_process_and_or_a_named_port() -> None:
    values = {
        "port.admin": 9001,
        "port:monolith-web": 8001,
        "url:monolith-web": "http://127.0.0.1:8001",
        "url:strangler-proxy.admin": "http://127.0.0.1:9001",
    }

    assert render("--admin-port={port.admin}", values) == "--admin-port=9001"
    assert render("{url:monolith-web}/readyz", values) == "http://127.0.0.1:8001/readyz"
    assert render("{port:monolith-web}", values) == "8001"
    assert render("{url:strangler-proxy.admin}", values) == "http://127.0.0.1:9001"
    assert render("{{url:monolith-web}}", values) == "{url:monolith-web}"


def test_an_unknown_qualified_placeholder_is_an_error_too() -> None:
    with pytest.raises(TopologyError, match=r"unknown placeholder \{url:catalog\}"):
        render("{url:catalog}", {"url:monolith-web": "http://127.0.0.1:1"})
