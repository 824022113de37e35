"""The one exception type the topology raises."""


class TopologyError(Exception):
    """The topology file is wrong, or a process did not start or stay healthy."""
