"""My orders, one order (refreshing while payment is pending), and cancelling."""

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shop_monolith.ordering import facade as orders
from shop_monolith.shared.errors import Conflict
from shop_monolith.web import dependencies
from shop_monolith.web.requests import request_fingerprint
from shop_monolith.web.storefront import bp
from shop_monolith.web.storefront.catalog import page_number, parse_uuid
from shop_monolith.web.storefront.forms import CancelForm
from shop_monolith.web.storefront.login_state import logged_in, login_required

PER_PAGE = 20
REFRESH_SECONDS = 2


@bp.get("/orders")
@login_required
def order_list() -> str:
    result = orders.list_for_customer(
        dependencies.session(), logged_in().id, page=page_number(), per_page=PER_PAGE
    )
    return render_template("storefront/orders.html", result=result)


@bp.get("/orders/<order_id>")
@login_required
def order_page(order_id: str) -> str:
    order = orders.get_for_customer(dependencies.session(), logged_in().id, parse_uuid(order_id))
    refresh = REFRESH_SECONDS if order.status == "PENDING" else None
    return render_template(
        "storefront/order.html", order=order, refresh=refresh, cancel=CancelForm().with_new_key()
    )


@bp.post("/orders/<order_id>/cancel")
@login_required
def cancel_order(order_id: str) -> Response:
    order_uuid = parse_uuid(order_id)
    form = CancelForm()
    if not form.validate():
        abort(400, "The cancel form was incomplete; reload the order page and try again.")
    customer = logged_in()
    try:
        orders.cancel_once(
            dependencies.session(),
            dependencies.payment_provider(),
            customer_id=customer.id,
            order_id=order_uuid,
            key=form.idempotency_key.data,
            request_fingerprint=request_fingerprint(),
        )
    except Conflict as error:
        if error.code != "idempotency-key-in-use":
            raise  # not cancellable: the error page says why, with status 409
        flash("Your order is being cancelled.", "info")  # a double click: the first submit is
    else:
        flash("Your order is cancelled; the payment is refunded.", "success")
    return redirect(url_for("storefront.order_page", order_id=order_uuid), 303)
