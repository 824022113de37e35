"""A page of a list, as the listing use cases answer it (the repositories fill it in)."""

from shop_monolith.repositories.pages import Page

__all__ = ["Page"]
