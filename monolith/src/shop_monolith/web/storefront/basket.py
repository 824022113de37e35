"""The basket: change quantities, remove lines, see the total."""

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shop_monolith.basket import facade as basket
from shop_monolith.catalog import facade as catalog
from shop_monolith.web import dependencies
from shop_monolith.web.storefront import bp
from shop_monolith.web.storefront.catalog import parse_uuid
from shop_monolith.web.storefront.forms import PlainForm, QuantityForm
from shop_monolith.web.storefront.login_state import logged_in, login_required


def _render(errors: dict[str, list[str]] | None = None, status: int = 200) -> tuple[str, int]:
    view = basket.view(
        dependencies.session(), logged_in().id, currency=dependencies.settings().currency
    )
    return render_template(
        "storefront/basket.html", basket=view, errors=errors or {}, button=PlainForm()
    ), status


@bp.get("/basket")
@login_required
def basket_page() -> tuple[str, int]:
    return _render()


@bp.post("/basket/items/<product_id>")
@login_required
def update_line(product_id: str) -> Response | tuple[str, int]:
    product_uuid = parse_uuid(product_id)
    form = QuantityForm()
    if not form.validate():
        return _render({product_id: form.quantity.errors}, 422)
    session = dependencies.session()
    basket.set_quantity(
        session,
        logged_in().id,
        product_uuid,
        form.quantity.data,
        currency=dependencies.settings().currency,
    )
    flash("Basket updated.", "success")
    return redirect(url_for("storefront.basket_page"), 303)


@bp.post("/basket/items/<product_id>/remove")
@login_required
def remove_line(product_id: str) -> Response:
    product_uuid = parse_uuid(product_id)
    session = dependencies.session()
    item = catalog.get_product(session, product_uuid, include_inactive=True)
    basket.remove(session, logged_in().id, item.id, currency=dependencies.settings().currency)
    flash(f"Removed {item.name} from your basket.", "success")
    return redirect(url_for("storefront.basket_page"), 303)
