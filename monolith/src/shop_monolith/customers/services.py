import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shop_monolith.customers import events
from shop_monolith.customers.gateways import LoginAttempts
from shop_monolith.customers.models import Customer
from shop_monolith.customers.repositories import CustomerRepository
from shop_monolith.customers.security import Principal, hash_password, issue_token, password_matches
from shop_monolith.shared import outbox
from shop_monolith.shared.errors import AuthenticationFailed, Conflict, NotFound, TooManyAttempts
from shop_monolith.shared.transactions import flush_or_conflict

# Verifying against a real hash when the email is unknown keeps login time the same either way.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register(session: Session, *, email: str, password: str, name: str) -> Customer:
    email = normalise_email(email)
    customers = CustomerRepository(session)
    taken = Conflict("email-taken", "An account with this email exists already.")
    if customers.by_email(email) is not None:
        raise taken
    customer = Customer(email=email, name=name, password_hash=hash_password(password))
    customers.add(customer)
    flush_or_conflict(session, taken.code, taken.detail)
    outbox.record(session, events.customer_registered(customer))
    session.commit()
    return customer


def authenticate(
    session: Session,
    attempts: LoginAttempts,
    *,
    email: str,
    password: str,
    client_address: str,
) -> Customer:
    """The customer with this email and password (the storefront's login uses this directly).

    Failed attempts are counted per account and per client address; past either limit every
    attempt, right or wrong, is refused until the window has moved on.
    """
    email = normalise_email(email)
    retry_after = attempts.retry_after(email, client_address)
    if retry_after is not None:
        raise TooManyAttempts(retry_after)
    customer = CustomerRepository(session).by_email(email)
    hash_to_check = customer.password_hash if customer else _DUMMY_HASH
    if not password_matches(hash_to_check, password) or customer is None:
        attempts.record_failure(email, client_address)
        raise AuthenticationFailed("invalid-credentials", "The email or password is wrong.")
    attempts.forget_account(email)
    return customer


def log_in(
    session: Session,
    attempts: LoginAttempts,
    *,
    email: str,
    password: str,
    client_address: str,
    secret: str,
    ttl_seconds: int,
) -> IssuedToken:
    customer = authenticate(
        session, attempts, email=email, password=password, client_address=client_address
    )
    principal = Principal(customer_id=customer.id, role=customer.role)
    token = issue_token(principal, secret=secret, ttl_seconds=ttl_seconds)
    return IssuedToken(access_token=token, expires_in=ttl_seconds)


def get_customer(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = CustomerRepository(session).get(customer_id)
    if customer is None:
        raise NotFound("The customer")
    return customer


def ensure_admin(session: Session, *, email: str, password: str, name: str = "Admin") -> Customer:
    """Create the admin account, or make an existing account admin with this password."""
    customers = CustomerRepository(session)
    email = normalise_email(email)
    customer = customers.by_email(email)
    created = customer is None
    if customer is None:
        customer = Customer(email=email, name=name, password_hash="")
        customers.add(customer)
    customer.password_hash = hash_password(password)
    customer.role = "admin"
    if created:
        session.flush()
        outbox.record(session, events.customer_registered(customer))
    session.commit()
    return customer
