from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_monolith import tables
from shop_monolith.db import make_engine
from shop_monolith.settings import Settings
from shop_monolith.web.app import create_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    engine = make_engine(url)
    tables.create_all(engine)
    engine.dispose()
    app = create_app(settings=Settings(database_url=url, secret_key="k" * 32, max_body_bytes=4096))
    yield app
    app.extensions["shop.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
