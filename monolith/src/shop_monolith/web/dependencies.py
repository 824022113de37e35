"""A request's dependencies: what views and CLI commands hand to the services.

`init_app` makes the engine, the payment provider and the failed-login counters once per app;
`session()` opens one SQLAlchemy session per request (closed, and rolled back if unfinished, at
teardown); `settings()` is the app's configuration.
"""

from flask import Flask, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.customers.facade import LoginAttempts
from shop_monolith.db import make_engine, make_session_factory
from shop_monolith.payments.facade import AbstractPaymentProvider, SandboxPaymentProvider
from shop_monolith.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    app.extensions["shop.engine"] = engine
    app.extensions["shop.sessions"] = factory
    app.extensions["shop.payments"] = SandboxPaymentProvider(factory)
    app.extensions["shop.login_attempts"] = LoginAttempts(
        settings.rate_limit_storage_url,
        per_account=settings.login_limit_per_account,
        per_address=settings.login_limit_per_address,
    )
    app.teardown_appcontext(_close_session)


def session() -> Session:
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["shop.sessions"]
        g.db_session = factory()
    return g.db_session  # type: ignore[no-any-return]


def payment_provider() -> AbstractPaymentProvider:
    return current_app.extensions["shop.payments"]  # type: ignore[no-any-return]


def login_attempts() -> LoginAttempts:
    return current_app.extensions["shop.login_attempts"]  # type: ignore[no-any-return]


def settings() -> Settings:
    return current_app.config["SHOP_SETTINGS"]  # type: ignore[no-any-return]


def ping() -> None:
    engine: Engine = current_app.extensions["shop.engine"]
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _close_session(_error: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
