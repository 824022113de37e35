"""Who is logged in: a customer id in Flask's signed session cookie, checked on every request."""

import functools
import uuid
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from shop_monolith.customers import facade as customers
from shop_monolith.customers.facade import CustomerView
from shop_monolith.shared.errors import NotFound
from shop_monolith.web import dependencies

P = ParamSpec("P")
R = TypeVar("R")


def log_in(customer: CustomerView) -> None:
    session.clear()  # a fresh session (and CSRF token) for the new login
    session["customer_id"] = str(customer.id)
    session["role"] = customer.role
    g.customer = customer


def log_out() -> None:
    session.clear()
    g.customer = None


def current_customer() -> CustomerView | None:
    """The logged-in customer, as the database knows them now; None for a visitor."""
    if "customer" not in g:
        g.customer = _load_customer()
    return cast("CustomerView | None", g.customer)


def _load_customer() -> CustomerView | None:
    raw_id = session.get("customer_id")
    if raw_id is None:
        return None
    try:
        customer = customers.get_customer(dependencies.session(), uuid.UUID(str(raw_id)))
    except (NotFound, ValueError):
        session.clear()  # the account is gone, or the cookie is from another shop
        return None
    except SQLAlchemyError:
        return None  # an error page must still render while the database is down
    if session.get("role") != customer.role:
        session["role"] = customer.role
    return customer


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page: never an open redirect."""
    home = url_for("storefront.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return home
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else home


def redirect_to_login(next_path: str) -> Response:
    return redirect(url_for("storefront.login", next=safe_next(next_path)))


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if current_customer() is None:
            return redirect_to_login(_return_path())
        return view(*args, **kwargs)

    return wrapper


def _return_path() -> str:
    """Where to go after logging in: this page, or for a form post the page it came from."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def logged_in() -> CustomerView:
    """The customer of a view behind `login_required`."""
    customer = current_customer()
    assert customer is not None, "use login_required on this view"
    return customer
