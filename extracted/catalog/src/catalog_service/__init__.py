"""The catalog service: categories, products, prices, activation and search (ADR-0017)."""
