"""The catalog service, as the monolith's catalog asks it for a product's current state
(ADR-0019).

The replica follows the service's events a few milliseconds behind. A client that has just
made, changed or deactivated a product through the service and at once asks the monolith about
it must get the product as it is now; so, while the service owns writes, the catalog asks it
(its public product route: active products only) and answers from the replica only when the
service does not answer. After a failure the service is not asked again for a few seconds.
"""

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)
PAUSE_AFTER_FAILURE_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    reachable: bool  # False: no answer; the replica's stands
    product: dict[str, Any] | None = None  # None (reachable): inactive, or never made


class CatalogServiceClient:
    def __init__(self, base_url: str, *, timeout: float = 1.0) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._quiet_until = 0.0

    def fetch_product(self, product_id: uuid.UUID) -> Answer:
        """The product as the service shows it now, if it answers."""
        if time.monotonic() < self._quiet_until:
            return Answer(reachable=False)
        try:
            response = self.http.get(f"/api/v1/products/{product_id}")
        except httpx.HTTPError as error:
            return self._failed(product_id, repr(error))
        if response.status_code == 404:
            return Answer(reachable=True)
        if response.status_code != 200:
            return self._failed(product_id, f"status {response.status_code}")
        try:
            found: dict[str, Any] = response.json()
        except ValueError:
            return self._failed(product_id, "not JSON")
        return Answer(reachable=True, product=found)

    def _failed(self, product_id: uuid.UUID, error: str) -> Answer:
        self._quiet_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        log.warning("catalog_service_unanswered", product_id=str(product_id), error=error)
        return Answer(reachable=False)

    def close(self) -> None:
        self.http.close()
