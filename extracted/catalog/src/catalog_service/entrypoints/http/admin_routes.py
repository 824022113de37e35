"""The admin's catalog: categories made, products listed, made, changed and deactivated."""

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from catalog_service.domain.model import Money
from catalog_service.domain.published import category_json, product_json
from catalog_service.entrypoints.http.deps import AdminDep, CatalogDep
from catalog_service.entrypoints.http.pages import page_json
from catalog_service.entrypoints.http.rendering import ShopJSONResponse
from catalog_service.entrypoints.http.requests import json_body, pagination, path_uuid, query_bool
from catalog_service.entrypoints.http.routing import get
from catalog_service.entrypoints.http.schemas import CategoryCreate, ProductCreate, ProductUpdate
from catalog_service.service_layer.unit_of_work import ProductQuery

router = APIRouter()


@router.post("/api/v1/categories", operation_id="createCategory")
async def create_category(request: Request, _admin: AdminDep, catalog: CatalogDep) -> Response:
    body = await json_body(request, CategoryCreate, limit=catalog.settings.max_body_bytes)
    item = await run_in_threadpool(catalog.create_category, slug=body.slug, name=body.name)
    headers = {"Location": f"/api/v1/categories/{item.id}"}
    return ShopJSONResponse(category_json(item), status_code=201, headers=headers)


@get(router, "/api/v1/admin/products", operation_id="adminListProducts")
def admin_list_products(request: Request, _admin: AdminDep, catalog: CatalogDep) -> Response:
    page, per_page = pagination(request)
    active = query_bool(request, "active")
    query = ProductQuery(active=active, sort="newest", page=page, per_page=per_page)
    return ShopJSONResponse(page_json(request, catalog.search_products(query)))


@router.post("/api/v1/admin/products", operation_id="adminCreateProduct")
async def admin_create_product(request: Request, _admin: AdminDep, catalog: CatalogDep) -> Response:
    body = await json_body(request, ProductCreate, limit=catalog.settings.max_body_bytes)
    item = await run_in_threadpool(
        catalog.create_product,
        sku=body.sku,
        name=body.name,
        description=body.description,
        category_id=body.category_id,
        price=Money(body.price.amount, body.price.currency),
    )
    headers = {"Location": f"/api/v1/admin/products/{item.id}"}
    return ShopJSONResponse(product_json(item), status_code=201, headers=headers)


@get(router, "/api/v1/admin/products/{product_id}", operation_id="adminGetProduct")
def admin_get_product(product_id: str, _admin: AdminDep, catalog: CatalogDep) -> Response:
    found = catalog.get_product(path_uuid(product_id, "product_id"), include_inactive=True)
    return ShopJSONResponse(product_json(found))


@router.patch("/api/v1/admin/products/{product_id}", operation_id="adminUpdateProduct")
async def admin_update_product(
    product_id: str, request: Request, _admin: AdminDep, catalog: CatalogDep
) -> Response:
    product_uuid = path_uuid(product_id, "product_id")
    body = await json_body(request, ProductUpdate, limit=catalog.settings.max_body_bytes)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"price"})
    if body.price is not None:
        changes["price"] = Money(body.price.amount, body.price.currency)
    item = await run_in_threadpool(catalog.change_product, product_uuid, changes)
    return ShopJSONResponse(product_json(item))


@router.post(
    "/api/v1/admin/products/{product_id}/deactivate", operation_id="adminDeactivateProduct"
)
def admin_deactivate_product(product_id: str, _admin: AdminDep, catalog: CatalogDep) -> Response:
    item = catalog.deactivate_product(path_uuid(product_id, "product_id"))
    return ShopJSONResponse(product_json(item))
