"""Catalog management by the admin: categories and products, their rules and errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client import (
    API,
    CURRENCY,
    ShopClient,
    create_category,
    create_product,
    deactivate_product,
    get_stock,
    money,
    unique_sku,
    unique_slug,
)
from problems import assert_problem, assert_status, describe
from spec import assert_conforms


def product_body(**overrides: Any) -> dict[str, Any]:
    return {"sku": unique_sku(), "name": "Desk lamp", "price": money(2500), **overrides}


def admin_get(admin: ShopClient, product_id: str) -> dict[str, Any]:
    response = admin.get(f"{API}/admin/products/{product_id}")
    assert_status(response, 200)
    assert_conforms(response.json(), "Product")
    return response.json()


def admin_list(admin: ShopClient, **params: Any) -> list[dict[str, Any]]:
    response = admin.get(f"{API}/admin/products", params={"per_page": 100, **params})
    assert_status(response, 200)
    assert_conforms(response.json(), "ProductPage")
    return response.json()["items"]


def test_create_category(admin: ShopClient) -> None:
    slug = unique_slug()
    response = admin.post(f"{API}/categories", json={"slug": slug, "name": "Lighting"})
    assert_status(response, 201)
    category = response.json()
    assert_conforms(category, "Category")
    assert (category["slug"], category["name"]) == (slug, "Lighting")
    location = response.headers.get("location", "")
    assert location.endswith(f"/categories/{category['id']}"), describe(response)
    fetched = admin.get(location)
    assert_status(fetched, 200)
    assert fetched.json() == category


def test_a_taken_slug_is_a_conflict(admin: ShopClient) -> None:
    category = create_category(admin)
    response = admin.post(f"{API}/categories", json={"slug": category["slug"], "name": "Again"})
    assert_problem(response, 409, "slug-taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Not A Slug", "name": "x"}, "slug"),
        ({"slug": "-leading-dash", "name": "x"}, "slug"),
        ({"slug": "x" * 65, "name": "x"}, "slug"),
        ({"name": "x"}, "slug"),
        ({"slug": "fine", "name": ""}, "name"),
        ({"slug": "fine", "name": "x" * 101}, "name"),
        ({"slug": "fine", "name": 7}, "name"),
    ],
)
def test_invalid_categories_are_refused(
    admin: ShopClient, body: dict[str, Any], field: str
) -> None:
    if body.get("slug") == "fine":
        body = {**body, "slug": unique_slug()}
    response = admin.post(f"{API}/categories", json=body)
    assert_problem(response, 422, "validation-error", field=field)


def test_create_product_starts_active_with_no_stock(admin: ShopClient, anon: ShopClient) -> None:
    category = create_category(admin)
    body = product_body(description="Warm light.", category_id=category["id"])
    response = admin.post(f"{API}/admin/products", json=body)
    assert_status(response, 201)
    product = response.json()
    assert_conforms(product, "Product")
    assert product["sku"] == body["sku"]
    assert product["name"] == body["name"]
    assert product["description"] == "Warm light."
    assert product["price"] == {"amount": 2500, "currency": CURRENCY}
    assert product["category"]["id"] == category["id"]
    assert product["active"] is True
    assert get_stock(admin, product["id"]) == {
        "product_id": product["id"],
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
    }
    location = response.headers.get("location", "")
    assert location.endswith(product["id"]), describe(response)
    assert_status(admin.get(location), 200)
    assert_status(anon.get(f"{API}/products/{product['id']}"), 200)


def test_description_defaults_to_empty_and_category_to_none(admin: ShopClient) -> None:
    response = admin.post(f"{API}/admin/products", json=product_body())
    assert_status(response, 201)
    assert response.json()["description"] == ""
    assert response.json()["category"] is None


def test_a_taken_sku_is_a_conflict_and_changes_nothing(admin: ShopClient) -> None:
    first = create_product(admin, name="Original")
    response = admin.post(
        f"{API}/admin/products", json=product_body(sku=first["sku"], name="Impostor")
    )
    assert_problem(response, 409, "sku-taken")
    assert admin_get(admin, first["id"])["name"] == "Original"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": {"amount": 100, "currency": "USD"}}, "price.currency"),
        ({"price": {"amount": -1, "currency": CURRENCY}}, "price.amount"),
        ({"price": {"amount": "25.00", "currency": CURRENCY}}, "price.amount"),
        ({"price": {"amount": 12.5, "currency": CURRENCY}}, "price.amount"),
        ({"price": {"amount": 100_000_001, "currency": CURRENCY}}, "price.amount"),
        ({"sku": "lower-case"}, "sku"),
        ({"sku": "X"}, "sku"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": "x" * 5001}, "description"),
        ({"category_id": "not-a-uuid"}, "category_id"),
        ({"category_id": str(uuid.uuid4())}, "category_id"),
    ],
)
def test_invalid_products_are_refused_and_not_written(
    admin: ShopClient, overrides: dict[str, Any], field: str
) -> None:
    body = product_body(**overrides)
    response = admin.post(f"{API}/admin/products", json=body)
    assert_problem(response, 422, "validation-error", field=field)
    if field != "sku":
        # Nothing was half-written: the same SKU is still free.
        retry = admin.post(f"{API}/admin/products", json=product_body(sku=body["sku"]))
        assert_status(retry, 201)


@pytest.mark.parametrize("missing", ["sku", "name", "price"])
def test_required_product_fields(admin: ShopClient, missing: str) -> None:
    body = product_body()
    del body[missing]
    response = admin.post(f"{API}/admin/products", json=body)
    assert_problem(response, 422, "validation-error", field=missing)


def test_admin_get_shows_inactive_products(admin: ShopClient) -> None:
    product = create_product(admin)
    deactivate_product(admin, product["id"])
    assert admin_get(admin, product["id"])["active"] is False
    assert_problem(admin.get(f"{API}/admin/products/{uuid.uuid4()}"), 404, "not-found")


def test_patch_changes_only_the_given_fields(admin: ShopClient, anon: ShopClient) -> None:
    product = create_product(admin, name="Before", price=1000, description="Kept.")
    response = admin.patch(f"{API}/admin/products/{product['id']}", json={"name": "After"})
    assert_status(response, 200)
    patched = response.json()
    assert_conforms(patched, "Product")
    assert patched["name"] == "After"
    assert (patched["description"], patched["price"], patched["sku"]) == (
        "Kept.",
        product["price"],
        product["sku"],
    )
    response = admin.patch(f"{API}/admin/products/{product['id']}", json={"price": money(1500)})
    assert_status(response, 200)
    public = anon.get(f"{API}/products/{product['id']}").json()
    assert (public["name"], public["price"]["amount"]) == ("After", 1500)


def test_patch_sets_and_clears_the_category(admin: ShopClient) -> None:
    category = create_category(admin)
    product = create_product(admin)
    url = f"{API}/admin/products/{product['id']}"
    response = admin.patch(url, json={"category_id": category["id"]})
    assert_status(response, 200)
    assert response.json()["category"]["id"] == category["id"]
    response = admin.patch(url, json={"category_id": None})
    assert_status(response, 200)
    assert response.json()["category"] is None


def test_patch_active_false_deactivates_and_true_reactivates(
    admin: ShopClient, anon: ShopClient
) -> None:
    product = create_product(admin)
    url = f"{API}/admin/products/{product['id']}"
    assert_status(admin.patch(url, json={"active": False}), 200)
    assert_problem(anon.get(f"{API}/products/{product['id']}"), 404, "not-found")
    assert admin_get(admin, product["id"])["active"] is False
    assert_status(admin.patch(url, json={"active": True}), 200)
    assert_status(anon.get(f"{API}/products/{product['id']}"), 200)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category_id": str(uuid.uuid4())}, "category_id"),
        ({"price": {"amount": 100, "currency": "GBP"}}, "price.currency"),
        ({"name": ""}, "name"),
        ({"active": "no"}, "active"),
        ({"sku": "T-CHANGED"}, None),
        ({"colour": "red"}, None),
        ({}, None),
    ],
)
def test_invalid_patches_are_refused_and_change_nothing(
    admin: ShopClient, body: dict[str, Any], field: str | None
) -> None:
    product = create_product(admin, name="Untouched")
    response = admin.patch(f"{API}/admin/products/{product['id']}", json=body)
    assert_problem(response, 422, "validation-error", field=field)
    after = admin_get(admin, product["id"])
    assert {k: after[k] for k in ("sku", "name", "price", "category", "active")} == {
        k: product[k] for k in ("sku", "name", "price", "category", "active")
    }


def test_patch_of_an_unknown_product_is_not_found(admin: ShopClient) -> None:
    response = admin.patch(f"{API}/admin/products/{uuid.uuid4()}", json={"name": "Ghost"})
    assert_problem(response, 404, "not-found")


def test_deactivate_is_idempotent(admin: ShopClient, anon: ShopClient) -> None:
    product = create_product(admin)
    first = deactivate_product(admin, product["id"])
    second = deactivate_product(admin, product["id"])
    assert first["active"] is False and second["active"] is False
    assert_conforms(second, "Product")
    assert_problem(anon.get(f"{API}/products/{product['id']}"), 404, "not-found")
    response = admin.post(f"{API}/admin/products/{uuid.uuid4()}/deactivate")
    assert_problem(response, 404, "not-found")


def test_admin_list_includes_inactive_products_newest_first(admin: ShopClient) -> None:
    older = create_product(admin)
    newer = create_product(admin)
    deactivate_product(admin, newer["id"])
    ids = [item["id"] for item in admin_list(admin)]
    assert newer["id"] in ids and older["id"] in ids
    assert ids.index(newer["id"]) < ids.index(older["id"])


def test_admin_list_filters_by_active(admin: ShopClient) -> None:
    active = create_product(admin)
    inactive = create_product(admin)
    deactivate_product(admin, inactive["id"])
    only_inactive = admin_list(admin, active="false")
    assert all(item["active"] is False for item in only_inactive)
    assert inactive["id"] in [item["id"] for item in only_inactive]
    only_active = admin_list(admin, active="true")
    assert all(item["active"] is True for item in only_active)
    assert active["id"] in [item["id"] for item in only_active]
    assert_problem(
        admin.get(f"{API}/admin/products", params={"active": "maybe"}), 400, "malformed-request"
    )
