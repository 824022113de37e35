"""The current migration step's processes, declared in topology.toml; started and stopped here."""

from shop_topology.errors import TopologyError
from shop_topology.runner import RunningTopology, start
from shop_topology.spec import Topology, load_topology

__all__ = ["RunningTopology", "Topology", "TopologyError", "load_topology", "start"]
