"""The server-rendered storefront over the same services as the API."""

from flask import Blueprint, Flask, Response, abort, request
from flask_wtf.csrf import CSRFProtect

from shop_monolith.web.storefront.formatting import money, rejection_reason
from shop_monolith.web.storefront.login_state import current_customer

bp = Blueprint("storefront", __name__)
csrf = CSRFProtect()

# Pages use no inline script or style; forms only post back to the shop itself.
CONTENT_SECURITY_POLICY = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    # Importing the route modules attaches their views to the blueprint.
    from shop_monolith.web.api import bp as api_bp
    from shop_monolith.web.storefront import accounts, basket, catalog, checkout, orders  # noqa: F401

    csrf.init_app(app)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies
    app.add_template_filter(money)
    app.add_template_filter(rejection_reason)
    # On the app, not the blueprint, so error pages outside the storefront know who is in.
    app.add_template_global(current_customer)
    app.register_blueprint(bp)


@bp.before_request
def _refuse_nul_characters() -> None:
    """No page takes a NUL character; PostgreSQL cannot store or compare one in text."""
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400, description="The request contains a NUL character.")


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
