import time
import uuid

import pytest
from sqlalchemy.orm import Session

from shop_monolith.services import customers
from shop_monolith.services.errors import AuthenticationFailed, Conflict
from shop_monolith.services.security import Principal, issue_token, verify_token

SECRET = "s" * 32


def test_register_normalises_email_and_refuses_duplicates(session: Session) -> None:
    customer = customers.register(
        session, email=" Ada@Example.COM ", password="password1", name="Ada"
    )
    assert customer.email == "ada@example.com" and customer.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict) as raised:
        customers.register(session, email="ADA@example.com", password="password2", name="Ada")
    assert raised.value.code == "email-taken"


def test_login_issues_a_token_for_the_right_password_only(session: Session) -> None:
    customer = customers.register(session, email="bo@example.com", password="password1", name="Bo")
    token = customers.log_in(
        session, email="BO@example.com", password="password1", secret=SECRET, ttl_seconds=60
    )
    assert verify_token(token.access_token, secret=SECRET) == Principal(customer.id, "customer")
    for email, password in [("bo@example.com", "wrong-pass"), ("nobody@example.com", "password1")]:
        with pytest.raises(AuthenticationFailed) as raised:
            customers.log_in(session, email=email, password=password, secret=SECRET, ttl_seconds=60)
        assert raised.value.code == "invalid-credentials"


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


def test_ensure_admin_promotes_and_resets_the_password(session: Session) -> None:
    customers.register(session, email="root@example.com", password="password1", name="R")
    admin = customers.ensure_admin(session, email="root@example.com", password="new-password")
    assert admin.role == "admin"
    customers.log_in(
        session, email="root@example.com", password="new-password", secret=SECRET, ttl_seconds=60
    )
