"""One SQLAlchemy session per request, closed (and rolled back if unfinished) at teardown."""

from flask import Flask, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.db import make_engine, make_session_factory
from shop_monolith.gateways.fake_payment_provider import FakePaymentProvider
from shop_monolith.gateways.payment_provider import AbstractPaymentProvider
from shop_monolith.settings import Settings


def init_app(app: Flask, database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    app.extensions["shop.engine"] = engine
    app.extensions["shop.sessions"] = factory
    app.extensions["shop.payments"] = FakePaymentProvider(factory)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["shop.sessions"]
        g.db_session = factory()
    return g.db_session  # type: ignore[no-any-return]


def payment_provider() -> AbstractPaymentProvider:
    return current_app.extensions["shop.payments"]  # type: ignore[no-any-return]


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
