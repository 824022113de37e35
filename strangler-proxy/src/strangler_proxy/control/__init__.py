"""The control plane: the admin listener (its own port) with its page and API, reloads and
audited changes of the routing table, the Prometheus metrics, and the nginx export.

Nothing here is on the request path, except the counters the request path reports to."""
