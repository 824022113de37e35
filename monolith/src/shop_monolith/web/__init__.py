"""The web layer: Flask blueprints for the JSON API and the storefront, and the CLI."""
