"""Errors the services raise; the web layer turns each code into a problem type and status."""

import uuid
from dataclasses import dataclass, field


@dataclass
class ServiceError(Exception):
    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class NotFound(ServiceError):
    def __init__(self, what: str) -> None:
        super().__init__("not-found", f"{what} was not found.")


class Conflict(ServiceError):
    """The request is well-formed but the current state does not allow it."""


class CheckoutInProgress(Conflict):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(
            "checkout-in-progress",
            f"Order {order_id} is still being paid for: wait until it is CONFIRMED or REJECTED.",
        )
        self.order_id = order_id


class WritesElsewhere(Conflict):
    """A write reached the side that does not own it now (a replica), around the proxy."""

    def __init__(self, what: str, owner: str) -> None:
        super().__init__(
            "writes-elsewhere",
            f"{what} writes are owned by the {owner} now; this copy is read-only.",
        )
        self.owner = owner


class AuthenticationFailed(ServiceError):
    pass


class TooManyAttempts(ServiceError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too-many-login-attempts",
            f"Too many failed logins for this account or address: try again in {retry_after} s.",
        )
        self.retry_after = retry_after


class PermissionDenied(ServiceError):
    def __init__(self) -> None:
        super().__init__("forbidden", "This needs the admin role.")


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class ValidationFailed(ServiceError):
    errors: list[FieldError] = field(default_factory=list)

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("validation-error", "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors
