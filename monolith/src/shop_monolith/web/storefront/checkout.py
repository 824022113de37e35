"""Checkout: shipping address and card in, an order out, at most once per rendered form."""

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shop_monolith.basket import facade as basket
from shop_monolith.ordering import facade as orders
from shop_monolith.payments.facade import CardDetails
from shop_monolith.shared.errors import ServiceError
from shop_monolith.web import dependencies
from shop_monolith.web.problems import PROBLEMS
from shop_monolith.web.requests import request_fingerprint
from shop_monolith.web.storefront import bp
from shop_monolith.web.storefront.forms import CheckoutForm
from shop_monolith.web.storefront.login_state import logged_in, login_required

TEST_CARDS = (
    ("4242424242424242", "approved"),
    ("4000000000000002", "declined"),
    ("4000000000000119", "times out (the order stays pending, then settles)"),
)


def _render(form: CheckoutForm, status: int = 200, problem: str | None = None) -> tuple[str, int]:
    form.with_new_key()  # a new key per render: only a resubmit of this very form is a repeat
    view = basket.view(
        dependencies.session(), logged_in().id, currency=dependencies.settings().currency
    )
    return render_template(
        "storefront/checkout.html", form=form, basket=view, test_cards=TEST_CARDS, problem=problem
    ), status


@bp.get("/checkout")
@login_required
def checkout_page() -> tuple[str, int]:
    return _render(CheckoutForm())


@bp.post("/checkout")
@login_required
def place_order() -> Response | tuple[str, int]:
    form = CheckoutForm()
    if not form.validate():
        return _render(form, 422)
    customer = logged_in()
    card = CardDetails(
        number=form.card_number.data,
        expiry_month=form.expiry_month.data,
        expiry_year=form.expiry_year.data,
        cvc=form.cvc.data,
    )
    address = form.shipping_address()
    # The fingerprint tells a resubmit of this form from another order under the same key.
    body = {"shipping_address": address, "card": [card.number, card.expiry_month, card.expiry_year]}
    try:
        order, _replayed = orders.place_order_once(
            dependencies.session(),
            dependencies.payment_provider(),
            customer_id=customer.id,
            key=form.idempotency_key.data,
            request_fingerprint=request_fingerprint(body),
            shipping_address=address,
            card=card,
            currency=dependencies.settings().currency,
        )
    except ServiceError as error:
        if error.code == "idempotency-key-in-use":
            # A double click: the first submit is placing the order and will show up here.
            flash("Your order is being placed; it appears in this list in a moment.", "info")
            return redirect(url_for("storefront.order_list"), 303)
        return _render(form, PROBLEMS.get(error.code, (409, ""))[0], error.detail)
    return redirect(url_for("storefront.order_page", order_id=order.id), 303)
