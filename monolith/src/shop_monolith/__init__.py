"""The shop monolith: a Flask application, one package per bounded context.

web -> seed -> catalog, inventory, customers, basket, ordering, payments (each layered inside:
services -> repositories | gateways -> models) -> shared.
See adr/0013-modular-monolith-and-its-seams.md.
"""
