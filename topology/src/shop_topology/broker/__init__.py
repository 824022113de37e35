"""The run's RabbitMQ, for a topology that uses {broker_url}: a vhost of its own on the
configured broker when that is reachable, else a private node the run starts and stops."""

import os
import secrets
from pathlib import Path

from shop_topology.broker.amqp import BrokerUrl, is_listening
from shop_topology.broker.install import BROKER_URL_VARIABLE, find_server, install_server
from shop_topology.broker.private import PrivateBroker
from shop_topology.broker.shared import SharedBroker, create_shared
from shop_topology.spec import BrokerSpec

Broker = SharedBroker | PrivateBroker

__all__ = ["BROKER_URL_VARIABLE", "Broker", "PrivateBroker", "SharedBroker", "provide_broker"]


def provide_broker(spec: BrokerSpec, *, dev: bool, workdir: Path) -> Broker:
    """The configured broker (or $SHOP_TOPOLOGY_BROKER_URL's) with a new vhost, or `dev`'s
    kept one; where it is not reachable, a private node, prepared but not started yet."""
    server = BrokerUrl.parse(os.environ.get(BROKER_URL_VARIABLE, spec.server_url))
    name = f"{spec.vhost_prefix}{secrets.token_hex(6)}"
    vhost = spec.dev_vhost if dev else name
    if is_listening(server):
        return create_shared(server, vhost, kept=dev)
    script = find_server()
    if script is None:
        why = f"no RabbitMQ answers at {server.host}:{server.port}"
        script = install_server(why, workdir / "logs" / "rabbitmq-install.log")
        if is_listening(server):  # the package's own service came up: use it
            return create_shared(server, vhost, kept=dev)
    return PrivateBroker.prepare(script, server, vhost, workdir / "rabbitmq" / name)
