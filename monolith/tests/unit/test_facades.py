"""A context's facade takes and answers plain values: no ORM object crosses it (ADR-0013)."""

import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

import shop_monolith
from shop_monolith.catalog import facade as catalog
from shop_monolith.shared.orm import Base

from ..conftest import add_product


def facades() -> list[types.ModuleType]:
    found = []
    for context in pkgutil.iter_modules(shop_monolith.__path__):
        if (
            context.ispkg
            and importlib.util.find_spec(f"shop_monolith.{context.name}.facade") is not None
        ):
            found.append(importlib.import_module(f"shop_monolith.{context.name}.facade"))
    return found


def classes_in(annotation: object, seen: set[object]) -> Iterator[type]:
    """Every class an annotation can hand out, through generics and dataclass fields."""
    if annotation in seen:
        return
    seen.add(annotation)
    origin = typing.get_origin(annotation)
    if origin is not None:
        if isinstance(origin, type):
            yield origin
        for argument in typing.get_args(annotation):
            yield from classes_in(argument, seen)
    elif isinstance(annotation, type):
        yield annotation
        if dataclasses.is_dataclass(annotation):
            for hint in typing.get_type_hints(annotation).values():
                yield from classes_in(hint, seen)


def test_the_catalog_has_a_facade() -> None:
    assert catalog in facades()


@pytest.mark.parametrize("facade", facades(), ids=lambda module: module.__name__)
def test_no_facade_function_takes_or_answers_an_orm_object(facade: types.ModuleType) -> None:
    crossing = []
    for name, function in inspect.getmembers(facade, inspect.isfunction):
        # re-exported use cases count too: they are the facade's as much as its own functions
        if name.startswith("_") or not function.__module__.startswith("shop_monolith."):
            continue
        for argument, hint in typing.get_type_hints(function).items():
            for cls in classes_in(hint, set()):
                if issubclass(cls, Base):
                    crossing.append(f"{name}({argument}): {cls.__name__}")
    assert crossing == []


def test_the_checker_sees_an_orm_object_inside_a_generic() -> None:
    from shop_monolith.catalog.models import Product
    from shop_monolith.shared.pages import Page

    assert Product in set(classes_in(Page[Product], set()))
    assert Product in set(classes_in(dict[str, list[Product] | None], set()))


def test_catalog_answers_are_frozen_values(session: Session) -> None:
    product = add_product(session)
    view = catalog.get_product(session, product.id)
    assert not isinstance(view, Base) and dataclasses.is_dataclass(view)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.name = "changed"  # type: ignore[misc]
    page = catalog.search_products(session, sort="name", page=1, per_page=10)
    assert [item.id for item in page.items] == [product.id]
    assert all(isinstance(item, catalog.ProductView) for item in page.items)
    assert catalog.products_by_id(session, [product.id]) == {product.id: view}
    assert catalog.find_product(session, product.id, include_inactive=True) == view
