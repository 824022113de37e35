"""The policy: where each request goes and what happens when it fails. The routing table and its
matching, canary selection, breakers and retries, shadow copies and their comparison, and the
request path (proxy.py) that applies them to each request over the wire."""
