"""The application factory."""

from typing import Any

from flask import Flask

from shop_monolith.logs import configure_logging
from shop_monolith.settings import Settings, get_settings
from shop_monolith.web import api, cli, database, observability, problems, storefront


def create_app(config: dict[str, Any] | None = None, *, settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SHOP_SETTINGS=settings,
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    database.init_app(app, settings.database_url)
    observability.init_app(app)
    problems.init_app(app)
    api.init_app(app)
    storefront.init_app(app)
    cli.init_app(app)
    return app
