"""The outbox store on SQLite (one relay; the schema is the database file's main one)."""
