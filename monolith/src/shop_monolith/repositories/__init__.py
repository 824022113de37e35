"""Repositories: queries and writes over the models, one module per table group."""
