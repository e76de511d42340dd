import os

import pytest

from demo.world import DEMO_PASSWORD, demo_seed

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    demo_seed(transactions=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(base_url=live_server.url)
        finally:
            browser.close()


def test_the_operator_logs_in_sees_only_its_shops_and_logs_out(page):
    page.goto("/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")

    shops = page.locator('[data-testid="shop"]')
    shops.first.wait_for()
    assert shops.all_inner_texts() == ["014213245611111 Boutique Démo Paris"]
    assert page.locator('[data-testid="current-user"]').inner_text() == "operator"
    assert "029800266211111" not in page.content()

    page.click("form.logout button")

    page.wait_for_url("**/accounts/login/**")
    assert page.locator("#id_username").is_visible()
    assert page.locator('[data-testid="shop"]').count() == 0
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_the_idle_warning_shows_after_13_minutes_and_stay_keeps_the_session(page):
    page.clock.install()
    page.goto("/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    warning = page.locator('[data-testid="idle-warning"]')
    page.locator('[data-testid="shop"]').first.wait_for()
    # The idle timers are armed on DOMContentLoaded: advance the clock only after it.
    page.wait_for_load_state("load")
    assert not warning.is_visible()

    page.clock.run_for("12:59")
    assert not warning.is_visible()
    page.clock.run_for("00:02")
    warning.wait_for(state="visible")  # Playwright's own deadline (30 s): a busy machine is slow

    with page.expect_response("**/accounts/keepalive/") as answer:
        page.click("[data-idle-stay]")
    assert answer.value.status == 204
    page.wait_for_function("document.getElementById('idle-warning').hidden")
    assert not warning.is_visible()
