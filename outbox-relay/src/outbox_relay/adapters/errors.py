"""Driver errors that mean "not reachable now" become the port's own, so callers retry."""

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from outbox_relay.service_layer.ports import StoreUnavailable

P = ParamSpec("P")
R = TypeVar("R")


class Resettable(Protocol):
    def _reset(self) -> None: ...


S = TypeVar("S", bound=Resettable)


def unavailable_on(
    *errors: type[Exception],
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Turn these errors into StoreUnavailable, dropping the connection they came from."""

    def decorate(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def translated(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(self, *args, **kwargs)
            except errors as error:
                self._reset()
                raise StoreUnavailable(f"{type(error).__name__}: {error}") from error

        return translated

    return decorate
