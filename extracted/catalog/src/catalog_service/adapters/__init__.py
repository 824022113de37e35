"""The catalog's adapters: the database (mapping, repositories, unit of work, outbox, inbox)."""
