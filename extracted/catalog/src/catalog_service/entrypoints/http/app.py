"""The app of catalog-http (`uvicorn --factory catalog_service.entrypoints.http.app:create_app`).

The service publishes no OpenAPI document of its own: its routes are a subset of the shop's
contract (contract/openapi.yaml), which a test checks (ADR-0017).
"""

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from catalog_service.bootstrap import Catalog, bootstrap
from catalog_service.config import Settings
from catalog_service.entrypoints.http import admin_routes, catalog_routes, health, problems
from catalog_service.entrypoints.http.hosts import TrustedHosts
from catalog_service.entrypoints.http.observability import Observed
from catalog_service.entrypoints.http.rendering import ShopJSONResponse
from catalog_service.entrypoints.http.routing import MethodTable
from catalog_service.logs import configure_logging


def create_app(catalog: Catalog | None = None) -> FastAPI:
    """The app on `catalog` (by default the service bootstrapped from the environment)."""
    if catalog is None:
        settings = Settings()  # type: ignore[call-arg]  # from CATALOG_* variables
        configure_logging(settings.log_format)
        catalog = bootstrap(settings)
    app = FastAPI(
        title="catalog",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        default_response_class=ShopJSONResponse,
    )
    app.state.catalog = catalog
    problems.install(app)
    routers = [catalog_routes.router, admin_routes.router, health.router]
    for router in routers:
        app.include_router(router)
    app.state.methods = MethodTable(*routers)
    app.add_middleware(_Options, methods=app.state.methods)
    app.add_middleware(TrustedHosts, trusted=catalog.settings.trusted_host_list)
    app.add_middleware(Observed)
    return app


class _Options:
    """OPTIONS on a known path: 200 with `Allow` and no body."""

    def __init__(self, app: ASGIApp, methods: MethodTable) -> None:
        self.app, self.methods = app, methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = None
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = self.methods.allowed(scope["path"])
        if allowed is None:
            await self.app(scope, receive, send)
            return
        response = Response(status_code=200, headers={"Allow": allowed})
        await response(scope, receive, send)
