"""The storefront in a real browser: register, find a product, buy it, see the order.

Black-box like the rest of the suite: the product is made through the JSON API, everything
else happens in headless Chromium over HTTP. The final page is saved as a screenshot.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from client import (
    APPROVING_CARD,
    PASSWORD,
    SETTLE_TIMEOUT_S,
    ShopClient,
    create_product,
    unique_email,
    unique_word,
)
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "storefront-order.png"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(shop: Any) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set SHOP_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs it (.ci/run): a missing browser is a failure there
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=shop.base_url, viewport={"width": 1100, "height": 900}
        )
        context.set_default_timeout(10_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def register(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Name", exact=True).fill("Browser Shopper")
    page.get_by_label("Email", exact=True).fill(unique_email())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Browser Shopper")


def fill_checkout(page: Page, card_number: str) -> None:
    fields = {
        "Full name": "Ada Lovelace",
        "Address": "12 Analytical Row",
        "Postal code": "10115",
        "City": "Berlin",
        "Country code": "DE",
        "Card number": card_number,
        "Expiry month": "12",
        "Expiry year": "2099",
        "CVC": "123",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def test_a_customer_finds_a_product_buys_two_and_sees_the_confirmed_order(
    page: Page, admin: ShopClient
) -> None:
    word = unique_word()
    product = create_product(admin, name=f"Enamel Mug {word}", price=1250, stock=20)
    register(page)

    page.get_by_label("Search", exact=True).fill(word)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 product for")).to_be_visible()
    page.get_by_role("link", name=product["name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(product["name"])
    expect(page.locator(".price")).to_have_text("€12.50")
    expect(page.get_by_text("In stock", exact=True)).to_be_visible()

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(re.compile(r"/basket$"))
    expect(page.get_by_role("status")).to_contain_text(f"Added 2 of {product['name']}")
    expect(page.locator("td.total")).to_have_text("€25.00")

    page.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_text("4000000000000002")).to_be_visible()  # the test cards are listed
    fill_checkout(page, APPROVING_CARD)
    page.get_by_role("button", name="Pay €25.00").click()
    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    order_url = page.url
    short_id = order_url.rsplit("/", 1)[1][:8]
    # A PENDING order page refreshes itself until the payment settles.
    expect(page.locator(".order-status")).to_contain_text(
        "CONFIRMED", timeout=SETTLE_TIMEOUT_S * 1000
    )
    expect(page.locator("td.total")).to_have_text("€25.00")
    expect(page.get_by_role("button", name="Cancel this order")).to_be_visible()

    page.get_by_role("link", name="My orders", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=short_id))
    expect(row).to_contain_text("CONFIRMED")
    expect(row).to_contain_text("€25.00")
    row.get_by_role("link", name=short_id).click()
    expect(page).to_have_url(order_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {short_id}")
    expect(page.get_by_role("cell", name=re.compile(product["name"]))).to_be_visible()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 0
