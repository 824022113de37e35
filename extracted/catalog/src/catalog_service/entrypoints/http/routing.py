"""GET routes that answer HEAD too (as the contract's every GET does), described once."""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute

F = TypeVar("F", bound=Callable[..., Any])


def get(router: APIRouter, path: str, *, operation_id: str) -> Callable[[F], F]:
    def register(endpoint: F) -> F:
        router.add_api_route(path, endpoint, methods=["GET"], operation_id=operation_id)
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)
        return endpoint

    return register


class MethodTable:
    """The methods each path allows, for `Allow` on a 405 and the answer to OPTIONS (which
    every route answers, as the monolith's did)."""

    def __init__(self, *routers: APIRouter) -> None:
        self.routes = [
            (route.path_regex, set(route.methods or ()))
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]

    def allowed(self, path: str) -> str | None:
        """The `Allow` value for `path`, or None when no route has it."""
        methods = {
            method for pattern, known in self.routes if pattern.match(path) for method in known
        }
        return ", ".join(sorted(methods | {"OPTIONS"})) if methods else None
