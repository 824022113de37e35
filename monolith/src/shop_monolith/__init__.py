"""The shop monolith: a layered Flask application (web -> services -> repositories -> models)."""
