"""What the routes depend on, as `Annotated` aliases: the service, the admin check."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from catalog_service.bootstrap import Catalog
from catalog_service.entrypoints.http.auth import require_admin


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_admin(request: Request, catalog: Annotated[Catalog, Depends(get_catalog)]) -> uuid.UUID:
    return require_admin(request, catalog.settings.secret_key)


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
AdminDep = Annotated[uuid.UUID, Depends(get_admin)]
