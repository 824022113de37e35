"""The application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shop_monolith.catalog import facade as catalog
from shop_monolith.logs import configure_logging
from shop_monolith.settings import Settings, get_settings
from shop_monolith.web import api, cli, dependencies, hosts, observability, problems, storefront
from shop_monolith.web.body_limit import BodyLimit


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SHOP_SETTINGS=settings,
        TRUSTED_HOSTS=settings.trusted_host_list,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    dependencies.init_app(app, settings)
    catalog.read_through(settings.catalog_service_url or None)
    observability.init_app(app)
    hosts.init_app(app)
    problems.init_app(app)
    api.init_app(app)
    storefront.init_app(app)
    cli.init_app(app)
    app.wsgi_app = BodyLimit(app.wsgi_app, settings.max_body_bytes)  # type: ignore[method-assign]
    if settings.forwarded_hops:  # the client's address as the proxies in front saw it
        hops = settings.forwarded_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
