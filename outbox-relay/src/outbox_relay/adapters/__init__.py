"""The ports' implementations: PostgreSQL (psycopg 3), SQLite (sqlite3), RabbitMQ (kombu)."""
