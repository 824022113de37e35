"""The outbox store on PostgreSQL, through psycopg 3 without an ORM."""
