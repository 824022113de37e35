"""The server-rendered storefront through Flask's test client: pages, forms, CSRF, logins."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from shop_monolith.catalog import services as catalog

from .conftest import PASSWORD, Shopper, add_product, hidden, post_form

APPROVE, DECLINE, TIME_OUT = "4242424242424242", "4000000000000002", "4000000000000119"


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def add_to_basket(shopper: Shopper, product_id: object, quantity: str) -> TestResponse:
    page = f"/products/{product_id}"
    return post_form(shopper.client, page, page, quantity=quantity)


def checkout_fields(card: str = APPROVE) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "line2": "",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "de",
        "card_number": card,
        "expiry_month": "12",
        "expiry_year": "2099",
        "cvc": "123",
    }


def submit_checkout(
    client: FlaskClient, card: str = APPROVE
) -> tuple[TestResponse, dict[str, str]]:
    page = client.get("/checkout")
    assert page.status_code == 200
    form = {
        "csrf_token": hidden(page, "csrf_token"),
        "idempotency_key": hidden(page, "idempotency_key"),
        **checkout_fields(card),
    }
    return client.post("/checkout", data=form), form


def test_product_list_searches_filters_sorts_and_pages(client: FlaskClient, db: Session) -> None:
    mugs = catalog.create_category(db, slug="mugs", name="Mugs")
    db.commit()
    add_product(db, "Blue Mug", price=1999, category_id=mugs.id)
    add_product(db, "Red Chair", price=4500)
    for n in range(12):
        add_product(db, f"Filler {n:02d}", price=100 + n, stock=0)

    home = text(client.get("/"))
    assert "14 products" in home and "Blue Mug" in home and "€19.99" in home
    assert 'rel="next"' in home and "Red Chair" not in home  # 12 per page, sorted by name
    assert "Red Chair" in text(client.get("/?page=2"))

    found = text(client.get("/?q=mug"))
    assert "1 product " in found and "Blue Mug" in found and "Red Chair" not in found
    in_category = text(client.get("/?category=mugs"))
    assert "Blue Mug" in in_category and "Filler" not in in_category
    by_price = text(client.get("/?sort=-price"))
    assert by_price.index("Red Chair") < by_price.index("Blue Mug")
    assert client.get("/?page=abc").status_code == 400
    assert client.get("/?sort=nonsense").status_code == 200  # an unknown sort falls back to name


def test_product_page_shows_price_availability_and_basket_form(
    client: FlaskClient, db: Session
) -> None:
    product = add_product(db, "Garden Hose", price=123456, stock=3)
    page = text(client.get(f"/products/{product.id}"))
    assert "Garden Hose" in page and "€1,234.56" in page and "Only 3 left" in page
    assert 'name="quantity"' in page and 'name="csrf_token"' in page
    missing = client.get("/products/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and "could not find" in text(missing)
    assert client.get("/products/not-a-uuid").status_code == 404


def test_register_add_to_basket_and_check_out(shopper: Shopper, db: Session) -> None:
    product = add_product(db, "Blue Mug", price=1999)
    client = shopper.client
    added = add_to_basket(shopper, product.id, "2")
    assert (added.status_code, added.location) == (303, "/basket")
    basket = text(client.get("/basket"))
    assert "Blue Mug" in basket and "€39.98" in basket and "Total (2 items)" in basket

    placed, form = submit_checkout(client)
    assert placed.status_code == 303 and placed.location.startswith("/orders/")
    order = text(client.get(placed.location))
    assert "CONFIRMED" in order and "€39.98" in order and 'http-equiv="refresh"' not in order

    again = client.post("/checkout", data=form)  # the same form submitted twice: one order
    assert (again.status_code, again.location) == (303, placed.location)
    mine = text(client.get("/orders"))
    assert mine.count('href="/orders/') == 1 and "CONFIRMED" in mine
    assert "Your basket is empty" in text(client.get("/basket"))


def test_declined_card_rejects_the_order_and_keeps_the_basket(
    shopper: Shopper, db: Session
) -> None:
    product = add_product(db, "Blue Mug")
    add_to_basket(shopper, product.id, "1")
    placed, _ = submit_checkout(shopper.client, DECLINE)
    order = text(shopper.client.get(placed.location))
    assert "REJECTED" in order and "The card was declined." in order
    assert "Blue Mug" in text(shopper.client.get("/basket"))


def test_unanswered_payment_leaves_a_pending_order_that_refreshes(
    shopper: Shopper, db: Session
) -> None:
    product = add_product(db, "Blue Mug")
    add_to_basket(shopper, product.id, "1")
    placed, _ = submit_checkout(shopper.client, TIME_OUT)
    order = text(shopper.client.get(placed.location))
    assert "PENDING" in order and '<meta http-equiv="refresh" content="2">' in order


def test_a_confirmed_order_can_be_cancelled_once(shopper: Shopper, app: Flask, db: Session) -> None:
    product = add_product(db, "Blue Mug")
    add_to_basket(shopper, product.id, "1")
    placed, _ = submit_checkout(shopper.client)
    page = shopper.client.get(placed.location)
    form = {k: hidden(page, k) for k in ("csrf_token", "idempotency_key")}
    cancel_url = f"{placed.location}/cancel"
    for _ in range(2):  # a double submit of the cancel button is harmless
        response = shopper.client.post(cancel_url, data=form)
        assert (response.status_code, response.location) == (303, placed.location)
    assert "CANCELLED" in text(shopper.client.get(placed.location))
    other_key = {**form, "idempotency_key": "another-key"}
    refused = shopper.client.post(cancel_url, data=other_key)
    assert refused.status_code == 409 and "Only a CONFIRMED order" in text(refused)


def test_checkout_of_an_empty_basket_is_a_conflict(shopper: Shopper) -> None:
    assert "Your basket is empty" in text(shopper.client.get("/checkout"))
    form = {"csrf_token": hidden(shopper.client.get("/"), "csrf_token")}
    form |= {"idempotency_key": "k-1", **checkout_fields()}
    response = shopper.client.post("/checkout", data=form)
    assert response.status_code == 409 and "The basket is empty" in text(response)


def test_a_form_without_its_csrf_token_is_refused_but_the_api_needs_none(
    client: FlaskClient,
) -> None:
    response = client.post("/register", data={"name": "A", "email": "a@b.example"})
    assert response.status_code == 400 and "CSRF" in text(response)
    assert client.post("/logout").status_code == 400
    api = client.post(
        "/api/v1/customers", json={"email": "a@b.example", "password": PASSWORD, "name": "A"}
    )
    assert api.status_code == 201


@pytest.mark.parametrize("page", ["/basket", "/checkout", "/orders", "/orders/x?y=1"])
def test_pages_for_customers_send_visitors_to_log_in(client: FlaskClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/login" and parse_qs(location.query)["next"] == [page]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example"]
)
def test_login_never_redirects_off_the_site(shopper: Shopper, target: str) -> None:
    client = shopper.client
    fields = {"email": shopper.email, "password": PASSWORD, "next": target}
    response = post_form(client, f"/login?next={target}", "/login", **fields)
    assert (response.status_code, response.location) == (303, "/")


def test_login_goes_back_to_the_page_asked_for(shopper: Shopper) -> None:
    fields = {"email": shopper.email, "password": PASSWORD, "next": "/orders?page=1"}
    response = post_form(shopper.client, "/login", "/login", **fields)
    assert (response.status_code, response.location) == (303, "/orders?page=1")


@pytest.mark.parametrize("quantity", ["0", "100", "abc", ""])
def test_a_bad_quantity_is_shown_next_to_the_field(
    shopper: Shopper, db: Session, quantity: str
) -> None:
    product = add_product(db, "Blue Mug")
    response = add_to_basket(shopper, product.id, quantity)
    assert response.status_code == 422
    assert re.search(
        r'aria-invalid="true"[^>]*name="quantity"|name="quantity"[^>]*aria-invalid', text(response)
    )
    assert 'class="error"' in text(response)
    add_to_basket(shopper, product.id, "1")
    update = post_form(shopper.client, "/basket", f"/basket/items/{product.id}", quantity=quantity)
    assert update.status_code == 422 and "error-" in text(update)


def test_the_basket_holds_at_most_99_of_a_product(shopper: Shopper, db: Session) -> None:
    product = add_product(db, "Blue Mug")
    add_to_basket(shopper, product.id, "60")
    response = add_to_basket(shopper, product.id, "40")
    assert response.status_code == 422 and "at most 99" in text(response)


def test_form_errors_are_4xx_with_messages(
    shopper: Shopper, client: FlaskClient, db: Session
) -> None:
    add_to_basket(shopper, add_product(db, "Blue Mug").id, "1")
    wrong = post_form(client, "/login", "/login", email=shopper.email, password="wrong-password")
    assert wrong.status_code == 422 and "The email or password is wrong." in text(wrong)
    taken = post_form(
        client, "/register", "/register", name="B", email=shopper.email, password=PASSWORD
    )
    assert taken.status_code == 409 and "exists already" in text(taken)
    short = post_form(client, "/register", "/register", name="B", email="b@c.example", password="x")
    assert short.status_code == 422 and "Use 8 to 128 characters." in text(short)
    bad_card = {**checkout_fields(), "card_number": "12", "country": "Germany"}
    page = shopper.client.get("/checkout")
    bad = shopper.client.post(
        "/checkout",
        data={"csrf_token": hidden(page, "csrf_token"), "idempotency_key": "k", **bad_card},
    )
    assert bad.status_code == 422 and "12 to 19 digits." in text(bad) and "Two letters" in text(bad)


def test_another_customers_order_is_not_found(shopper: Shopper, app: Flask, db: Session) -> None:
    product = add_product(db, "Blue Mug")
    add_to_basket(shopper, product.id, "1")
    placed, _ = submit_checkout(shopper.client)
    stranger = app.test_client()
    post_form(
        stranger, "/register", "/register", name="Eve", email="eve@x.example", password=PASSWORD
    )
    assert stranger.get(placed.location).status_code == 404


def test_logging_out_ends_the_session(shopper: Shopper) -> None:
    response = post_form(shopper.client, "/", "/logout")
    assert (response.status_code, response.location) == (303, "/")
    assert shopper.client.get("/basket").status_code == 302
    assert "Log in" in text(shopper.client.get("/"))


def test_nul_characters_are_refused_before_they_reach_the_database(shopper: Shopper) -> None:
    for response in (
        shopper.client.get("/?category=%00"),
        shopper.client.get("/?q=lamp%00"),
        post_form(shopper.client, "/register", "/register", email="a\x00@example.com", name="A"),
    ):
        assert response.status_code == 400
        assert "NUL" in text(response)
