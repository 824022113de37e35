"""The catalog's use cases, and the ports they need (the unit of work, its repositories)."""
