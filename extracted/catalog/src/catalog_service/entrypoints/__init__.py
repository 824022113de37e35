"""The ways in: the HTTP app (catalog-http), the event consumer (catalog-events), the CLI."""
