"""The catalog service, as the monolith's replica reads through to it (ADR-0019).

A product the service has just made may reach the monolith's replica a few milliseconds after
a client, told of it by the service, asks the monolith about it. Rather than answer 404, the
catalog asks the service (its public product route: active products only) and keeps the answer.
"""

import uuid
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)


class CatalogServiceClient:
    def __init__(self, base_url: str, *, timeout: float = 2.0) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def fetch_product(self, product_id: uuid.UUID) -> dict[str, Any] | None:
        """The active product as the service shows it, or None: not there, or not answering
        (the replica then answers as it can; a product it never heard of stays unknown)."""
        try:
            response = self.http.get(f"/api/v1/products/{product_id}")
        except httpx.HTTPError as error:
            log.warning(
                "catalog_read_through_failed", product_id=str(product_id), error=repr(error)
            )
            return None
        if response.status_code != 200:
            if response.status_code != 404:
                log.warning(
                    "catalog_read_through_failed",
                    product_id=str(product_id),
                    status=response.status_code,
                )
            return None
        found: dict[str, Any] = response.json()
        return found

    def close(self) -> None:
        self.http.close()
