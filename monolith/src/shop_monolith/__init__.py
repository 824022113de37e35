"""The shop monolith: a layered Flask application.

web -> services -> repositories | gateways -> models (adr/0002-layered-monolith.md).
"""
