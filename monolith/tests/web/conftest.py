"""A storefront app on a fresh SQLite database, and a browser-like client that logs in."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from shop_monolith import tables
from shop_monolith.catalog import services as catalog
from shop_monolith.catalog.models import Product
from shop_monolith.db import make_engine, make_session_factory
from shop_monolith.inventory import services as inventory
from shop_monolith.settings import Settings
from shop_monolith.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(url)
    tables.create_all(engine)
    engine.dispose()
    app = create_app(settings=Settings(database_url=url, secret_key="x" * 32))
    yield app
    app.extensions["shop.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for test data; end each use with a commit, as SQLite locks for the whole shop."""
    factory: sessionmaker[Session] = make_session_factory(app.extensions["shop.engine"])
    with factory() as session:
        yield session


def hidden(response: TestResponse, name: str) -> str:
    """The value of a hidden input on the page (the CSRF token, the idempotency key)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden {name} on the page"
    return match.group(1)


def post_form(client: FlaskClient, page: str, action: str, **fields: str) -> TestResponse:
    """Load `page`, then submit a form to `action` with that page's CSRF token."""
    token = hidden(client.get(page), "csrf_token")
    return client.post(action, data={"csrf_token": token, **fields})


@dataclass(frozen=True)
class Shopper:
    client: FlaskClient
    email: str


@pytest.fixture
def shopper(app: Flask) -> Shopper:
    client = app.test_client()
    email = f"{uuid.uuid4().hex[:12]}@shop.example"
    response = post_form(
        client, "/register", "/register", name="Ada", email=email, password=PASSWORD
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return Shopper(client, email)


def add_product(
    db: Session,
    name: str,
    *,
    price: int = 1999,
    stock: int = 10,
    category_id: uuid.UUID | None = None,
) -> Product:
    product = catalog.create_product(
        db,
        sku=f"T-{uuid.uuid4().hex[:8].upper()}",
        name=name,
        description=f"A {name.lower()} for tests.",
        category_id=category_id,
        price_amount=price,
        price_currency="EUR",
        shop_currency="EUR",
    )
    if stock:
        inventory.adjust_stock(db, product.id, delta=stock, reason="test stock")
    db.commit()  # SQLite: end the read transaction, which holds the write lock (BEGIN IMMEDIATE)
    return product
