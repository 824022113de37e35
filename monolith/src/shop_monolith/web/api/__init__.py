"""The JSON API, /api/v1, as described by openapi.yaml in this package (a copy of
contract/openapi.yaml)."""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    # Importing the route modules attaches their views to the blueprint.
    from shop_monolith.web.api import (  # noqa: F401
        admin_catalog,
        basket,
        catalog,
        customers,
        inventory,
        openapi,
        orders,
    )

    app.register_blueprint(bp)
