"""Liveness and readiness, for the topology, compose and the proxy's upstream checks."""

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from catalog_service.entrypoints.http.deps import CatalogDep
from catalog_service.entrypoints.http.rendering import ShopJSONResponse

router = APIRouter()


@router.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
def healthz() -> Response:
    return ShopJSONResponse({"status": "ok"})


@router.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
async def readyz(catalog: CatalogDep) -> Response:
    """Ready when the database answers."""
    try:
        await run_in_threadpool(catalog.ping)
    except Exception as error:  # any failure to reach it means not ready
        return ShopJSONResponse({"status": "unavailable", "error": type(error).__name__}, 503)
    return ShopJSONResponse({"status": "ok"})
