import time
import uuid

import pytest
from sqlalchemy.orm import Session

from shop_monolith.customers import services as customers
from shop_monolith.customers.gateways import LoginAttempts
from shop_monolith.customers.security import Principal, issue_token, verify_token
from shop_monolith.shared.errors import AuthenticationFailed, Conflict, TooManyAttempts

SECRET = "s" * 32
ADDRESS = "192.0.2.1"


@pytest.fixture
def attempts() -> LoginAttempts:
    return LoginAttempts("memory://", per_account="3/minute", per_address="5/minute")


def log_in(
    session: Session, attempts: LoginAttempts, email: str, password: str, address: str = ADDRESS
) -> customers.IssuedToken:
    return customers.log_in(
        session,
        attempts,
        email=email,
        password=password,
        client_address=address,
        secret=SECRET,
        ttl_seconds=60,
    )


def test_register_normalises_email_and_refuses_duplicates(session: Session) -> None:
    customer = customers.register(
        session, email=" Ada@Example.COM ", password="password1", name="Ada"
    )
    assert customer.email == "ada@example.com" and customer.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict) as raised:
        customers.register(session, email="ADA@example.com", password="password2", name="Ada")
    assert raised.value.code == "email-taken"


def test_login_issues_a_token_for_the_right_password_only(
    session: Session, attempts: LoginAttempts
) -> None:
    customer = customers.register(session, email="bo@example.com", password="password1", name="Bo")
    token = log_in(session, attempts, "BO@example.com", "password1")
    assert verify_token(token.access_token, secret=SECRET) == Principal(customer.id, "customer")
    for email, password in [("bo@example.com", "wrong-pass"), ("nobody@example.com", "password1")]:
        with pytest.raises(AuthenticationFailed) as raised:
            log_in(session, attempts, email, password)
        assert raised.value.code == "invalid-credentials"


def test_failed_logins_throttle_the_account_even_for_the_right_password(
    session: Session, attempts: LoginAttempts
) -> None:
    customers.register(session, email="cy@example.com", password="password1", name="Cy")
    for address in ("192.0.2.10", "192.0.2.11", "192.0.2.12"):  # spread: the account counts
        with pytest.raises(AuthenticationFailed):
            log_in(session, attempts, "CY@example.com", "wrong-pass", address)
    with pytest.raises(TooManyAttempts) as raised:
        log_in(session, attempts, "cy@example.com", "password1", "192.0.2.13")
    assert 1 <= raised.value.retry_after <= 60
    assert raised.value.code == "too-many-login-attempts"
    # Other accounts are not affected.
    customers.register(session, email="di@example.com", password="password1", name="Di")
    log_in(session, attempts, "di@example.com", "password1", "192.0.2.13")


def test_failed_logins_throttle_the_address_across_accounts(
    session: Session, attempts: LoginAttempts
) -> None:
    customers.register(session, email="ed@example.com", password="password1", name="Ed")
    for n in range(5):
        with pytest.raises(AuthenticationFailed):
            log_in(session, attempts, f"guess{n}@example.com", "password1")
    with pytest.raises(TooManyAttempts):
        log_in(session, attempts, "ed@example.com", "password1")
    log_in(session, attempts, "ed@example.com", "password1", "192.0.2.99")


def test_a_successful_login_forgets_the_owners_earlier_typos(
    session: Session, attempts: LoginAttempts
) -> None:
    customers.register(session, email="fa@example.com", password="password1", name="Fa")
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            log_in(session, attempts, "fa@example.com", "typo", "192.0.2.20")
        log_in(session, attempts, "fa@example.com", "password1", "192.0.2.21")
    with pytest.raises(AuthenticationFailed):  # a third typo in the minute: not yet throttled
        log_in(session, attempts, "fa@example.com", "typo", "192.0.2.22")
    log_in(session, attempts, "fa@example.com", "password1", "192.0.2.23")


def test_tokens_fail_when_tampered_signed_elsewhere_or_expired() -> None:
    principal = Principal(uuid.uuid4(), "admin")
    token = issue_token(principal, secret=SECRET, ttl_seconds=60)
    assert verify_token(token, secret=SECRET).is_admin
    head, body, signature = token.split(".")
    bad = [
        f"{head}.{body}.{signature[::-1]}",
        issue_token(principal, secret="t" * 32, ttl_seconds=60),
        "junk",
    ]
    for candidate in bad:
        with pytest.raises(AuthenticationFailed):
            verify_token(candidate, secret=SECRET)
    expired = issue_token(principal, secret=SECRET, ttl_seconds=-1)
    time.sleep(0.01)
    with pytest.raises(AuthenticationFailed):
        verify_token(expired, secret=SECRET)


def test_ensure_admin_promotes_and_resets_the_password(
    session: Session, attempts: LoginAttempts
) -> None:
    customers.register(session, email="root@example.com", password="password1", name="R")
    admin = customers.ensure_admin(session, email="root@example.com", password="new-password")
    assert admin.role == "admin"
    log_in(session, attempts, "root@example.com", "new-password")
