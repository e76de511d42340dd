import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest

from tests.factories import UserFactory, grant, make_merchant, make_transaction

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

PARIS = ZoneInfo("Europe/Paris")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
def test_a_merchant_logs_in_searches_by_number_and_by_criteria_and_opens_the_detail(
    live_server, transactional_db, page
):
    shop = make_merchant("014213245611111", name="Boutique Démo Paris")
    user = UserFactory(username="marie", password="pw-for-tests-1", language="en")
    grant(user, "CONSULTER", merchant=shop)
    day = dt.datetime(2026, 11, 20, 10, tzinfo=PARIS)
    make_transaction(shop, transaction_id="000123", payment_at=day, amount=1250)
    make_transaction(
        shop,
        transaction_id="000456",
        payment_at=day + dt.timedelta(hours=1),
        amount=9900,
        payment_means="VISA",
        customer_email="camille@example.fr",
    )
    make_transaction(shop, transaction_id="000789", payment_at=day + dt.timedelta(hours=2))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "marie")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit].primary")
    page.click("nav.mainnav >> text=Transactions")

    # By number, typed without its zeros: the one match opens.
    number = page.locator("[data-testid=number-search]")
    number.locator("input[name=transaction_id]").fill("123")
    number.locator("button[type=submit]").click()
    page.wait_for_url("**/transactions/014213245611111/2026-11-20/000123/")
    assert "€12.50" in page.locator("[data-testid=amount]").inner_text()

    # By criteria: payment means + amount range as typed in English.
    page.goto(f"{live_server.url}/transactions/")
    criteria = page.locator("[data-testid=criteria-search]")
    criteria.locator("select[name=payment_means]").select_option("VISA")
    criteria.locator("input[name=amount_min]").fill("50.00")
    criteria.locator("button[type=submit]").click()
    page.wait_for_url("**/transactions/?*payment_means=VISA*")
    rows = page.locator("[data-testid=result]")
    assert rows.count() == 1
    assert "1 transaction" in page.locator("[data-testid=count]").inner_text()

    # Open the detail from the list.
    rows.first.locator("a", has_text="000456").click()
    page.wait_for_url("**/transactions/014213245611111/2026-11-20/000456/")
    assert "camille@example.fr" in page.content()
    assert "€99.00" in page.locator("[data-testid=amount]").inner_text()
