"""Customers as the rest of the shop sees them: plain functions answering frozen values.

Tokens: `verify_token` turns a bearer token into a `Principal` (who, and which role) without a
database read; the web layer then checks that the customer still exists.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from shop_monolith.customers import services
from shop_monolith.customers.gateways import LoginAttempts
from shop_monolith.customers.models import Customer
from shop_monolith.customers.security import Principal, verify_token
from shop_monolith.customers.services import IssuedToken, log_in

__all__ = [
    "CustomerView",
    "IssuedToken",
    "LoginAttempts",
    "Principal",
    "authenticate",
    "ensure_admin",
    "get_customer",
    "log_in",
    "register",
    "verify_token",
]


@dataclass(frozen=True)
class CustomerView:
    id: uuid.UUID
    email: str
    name: str
    role: str
    created_at: datetime


def _customer(item: Customer) -> CustomerView:
    return CustomerView(
        id=item.id, email=item.email, name=item.name, role=item.role, created_at=item.created_at
    )


def register(session: Session, *, email: str, password: str, name: str) -> CustomerView:
    return _customer(services.register(session, email=email, password=password, name=name))


def authenticate(
    session: Session,
    attempts: LoginAttempts,
    *,
    email: str,
    password: str,
    client_address: str,
) -> CustomerView:
    """The customer with this email and password; failed attempts are throttled."""
    customer = services.authenticate(
        session, attempts, email=email, password=password, client_address=client_address
    )
    return _customer(customer)


def get_customer(session: Session, customer_id: uuid.UUID) -> CustomerView:
    return _customer(services.get_customer(session, customer_id))


def ensure_admin(
    session: Session, *, email: str, password: str, name: str = "Admin"
) -> CustomerView:
    """Create the admin account, or make an existing account admin with this password."""
    return _customer(services.ensure_admin(session, email=email, password=password, name=name))
