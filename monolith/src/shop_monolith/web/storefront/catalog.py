"""Browsing: the product list with search, filter, sort and pages; one product's page."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shop_monolith.basket import facade as basket
from shop_monolith.basket.facade import MAX_QUANTITY
from shop_monolith.catalog import facade as catalog
from shop_monolith.inventory import facade as inventory
from shop_monolith.web import dependencies
from shop_monolith.web.requests import strict_int
from shop_monolith.web.storefront import bp
from shop_monolith.web.storefront.forms import QuantityForm
from shop_monolith.web.storefront.login_state import current_customer, redirect_to_login

PER_PAGE = 12
MAX_PAGE = 100_000
SORT_LABELS = {  # catalog.SORTS, as the sort menu names them
    "name": "Name A-Z",
    "-name": "Name Z-A",
    "price": "Price, low to high",
    "-price": "Price, high to low",
    "newest": "Newest first",
}


def page_number() -> int:
    """The `page` query parameter: a whole number from 1 to MAX_PAGE, else 400."""
    value = strict_int(request.args.get("page", "1"))
    if value is None or not 1 <= value <= MAX_PAGE:
        abort(400, "The page number must be a whole number from 1.")
    return value


def parse_uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(404, "There is nothing at this address.")


@bp.get("/")
def index() -> str:
    q = request.args.get("q", "")[:100].strip()
    category = request.args.get("category", "")[:64] or None
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORT_LABELS else "name"
    session = dependencies.session()
    result = catalog.search_products(
        session,
        words=tuple(q.split()[:10]),
        category_slug=category,
        sort=sort,
        page=page_number(),
        per_page=PER_PAGE,
    )
    return render_template(
        "storefront/products.html",
        result=result,
        categories=catalog.list_categories(session),
        q=q,
        category=category,
        sort=sort,
        sorts=SORT_LABELS,
    )


@bp.route("/products/<product_id>", methods=["GET", "POST"])
def product(product_id: str) -> Response | tuple[str, int]:
    product_uuid = parse_uuid(product_id)
    session = dependencies.session()
    item = catalog.get_product(session, product_uuid)
    form = QuantityForm()
    if request.method == "POST":
        customer = current_customer()
        if customer is None:
            return redirect_to_login(request.path)
        if form.validate():
            settings = dependencies.settings()
            in_basket = basket.view(session, customer.id, currency=settings.currency)
            already = sum(line.quantity for line in in_basket.lines if line.product_id == item.id)
            wanted = already + form.quantity.data
            if wanted <= MAX_QUANTITY:
                basket.set_quantity(
                    session, customer.id, item.id, wanted, currency=settings.currency
                )
                flash(f"Added {form.quantity.data} of {item.name} to your basket.", "success")
                return redirect(url_for("storefront.basket_page"), 303)
            form.quantity.errors = [
                f"You can have at most {MAX_QUANTITY} in your basket; you have {already}."
            ]
    level = inventory.availability(session, item.id)
    status = 422 if form.errors else 200
    return render_template("storefront/product.html", product=item, stock=level, form=form), status
