"""What can go wrong in the catalog, in the domain's words (the entrypoints map them)."""


class CatalogError(Exception):
    """Base of the errors a use case raises for its caller to answer."""


class InvalidValue(CatalogError):
    """A value breaks a rule of the domain; `field` names it as the API does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class NotFound(CatalogError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found.")
        self.what = what


class SkuTaken(CatalogError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"A product with SKU {sku!r} exists already.")


class SlugTaken(CatalogError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"A category with slug {slug!r} exists already.")


class WritesElsewhere(CatalogError):
    """This side does not own catalog writes now: it is a replica of the owner (ADR-0018)."""

    def __init__(self, owner: str) -> None:
        super().__init__(f"Catalog writes are owned by the {owner} now; this copy is read-only.")
        self.owner = owner
