"""The AMQP check against the RabbitMQ on 127.0.0.1:5672: what opens, and what it says when not."""

import pytest

from shop_topology.broker.amqp import AmqpError, BrokerUrl, check_connection, is_listening
from shop_topology.ports import free_port

SHARED = BrokerUrl.parse("amqp://guest:guest@127.0.0.1:5672/")


def test_a_url_is_taken_apart_and_put_together_again() -> None:
    url = BrokerUrl.parse("amqp://shop%40x:p%2Fw@broker:5673/shop_t_1")

    assert url == BrokerUrl("broker", 5673, "shop@x", "p/w", "shop_t_1")
    assert str(url) == "amqp://shop%40x:p%2Fw@broker:5673/shop_t_1"
    assert BrokerUrl.parse(str(url)) == url


def test_an_empty_path_is_the_default_vhost_and_missing_parts_are_rabbitmqs_defaults() -> None:
    assert BrokerUrl.parse("amqp://127.0.0.1/") == BrokerUrl(
        "127.0.0.1", 5672, "guest", "guest", "/"
    )
    assert str(BrokerUrl.parse("amqp://127.0.0.1")).endswith(":5672/%2F")


def test_the_default_vhost_opens_with_the_right_password() -> None:
    assert is_listening(SHARED)
    check_connection(SHARED)  # raises if it does not open


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (SHARED.with_vhost("shop_no_such_vhost"), "530 NOT_ALLOWED - vhost shop_no_such_vhost"),
        (BrokerUrl.parse("amqp://guest:wrong@127.0.0.1:5672/"), "403 ACCESS_REFUSED"),
    ],
)
def test_a_refused_vhost_or_login_is_said_with_the_brokers_reason(
    url: BrokerUrl, message: str
) -> None:
    with pytest.raises(AmqpError, match=message):
        check_connection(url)


def test_a_closed_port_is_not_listening_and_does_not_connect() -> None:
    closed = BrokerUrl.parse(f"amqp://guest:guest@127.0.0.1:{free_port()}/")

    assert not is_listening(closed)
    with pytest.raises(AmqpError, match="Connection refused"):
        check_connection(closed)
