"""The admin page in headless Chromium: table, counters, breakers, a shadow mismatch."""

import os
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from proxy_process import TOKEN, proxy_process, upstream

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SHADOWED = """
[upstreams.monolith]
url = "http://127.0.0.1:{old}"
[upstreams.catalog]
url = "http://127.0.0.1:{new}"
[[routes]]
name = "product-reads"
path = "/api/v1/products/**"
methods = ["GET"]
mode = "shadow"
primary = "monolith"
candidate = "catalog"
[[routes]]
name = "everything-else"
path = "/**"
primary = "monolith"
"""


def test_the_admin_page_shows_routes_counters_breakers_and_mismatches(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with (
        upstream("monolith says") as old,
        upstream("catalog says") as new,
        proxy_process(SHADOWED.format(old=old, new=new), tmp_path) as proxy,
    ):
        assert httpx.get(f"{proxy.url}/api/v1/products/1").text == "monolith says"
        httpx.get(f"{proxy.url}/basket")
        time.sleep(0.5)  # the shadow comparison runs after the answer
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(f"{proxy.admin}/admin")
            before = page.inner_text("body")  # nothing shown before the token is given
            page.fill("input[name=token]", "not the token")
            page.click("button[type=submit]")
            page.wait_for_selector("text=Send Authorization")
            refused = page.inner_text("body")
            page.fill("input[name=token]", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_selector("text=product-reads")
            text = page.inner_text("body")
            page.reload()  # the token stays for the tab's session
            page.wait_for_selector("text=product-reads")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "proxy-admin.png"), full_page=True)
            browser.close()
    assert "Admin token" in before and "product-reads" not in before
    assert "product-reads" not in refused
    assert "product-reads" in text and "everything-else" in text
    assert "shadow" in text and "monolith → catalog" in text
    assert "1 compared, 1 mismatched" in text
    assert "200: 1" in text
    assert "closed" in text  # breaker states
    assert "GET /api/v1/products/1" in text and '"path": "body"' in text
    assert '"primary": "monolith says"' in text and '"candidate": "catalog says"' in text
