"""The one search box in a real browser, in French and English, at desktop and phone widths."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import UserFactory, grant, make_merchant, make_transaction

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_search_box_finds_by_number_email_order_card_and_pasted_amount(
    live_server, transactional_db, browser, language, width, height
):
    shop = make_merchant("014213245611111", name="Boutique Démo Paris")
    user = UserFactory(username="lea", password="pw-for-tests-1", language=language)
    grant(user, "CONSULTER", merchant=shop)
    day = dt.datetime(2026, 11, 27, 10, tzinfo=PARIS)
    make_transaction(
        shop,
        transaction_id="004711",
        payment_at=day,
        amount=11319,
        customer_email="lea.durand59@example.fr",
        order_id="CMD-20261127-0042",
        card_number="4539.07",
    )
    make_transaction(
        shop, transaction_id="000002", payment_at=day, amount=11319, currency_code="392"
    )
    make_transaction(shop, transaction_id="000003", payment_at=day, order_id="CMD-20261126-0001")

    context = browser.new_context(
        locale="fr-FR" if language == "fr" else "en-GB",
        viewport={"width": width, "height": height},
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lea")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")

    for typed in ("4711", "LEA.Durand59@Example.FR", "CMD-20261127", "**07", "113,19 €"):
        page.goto(f"{live_server.url}/transactions/")
        box = page.locator("[data-testid=search-box]")
        box.locator("input[name=q]").fill(typed)
        box.locator("button[type=submit]").click()
        page.wait_for_url("**/transactions/?*q=*")
        rows = page.locator("[data-testid=result]")
        assert rows.count() == 1, typed
        assert "004711" in rows.first.inner_text(), typed
        # At desktop width the results are on the first screen, under the box and its chip
        # (at phone width that waits for the responsive layout of the page frame).
        if width >= 1000:
            assert rows.first.bounding_box()["y"] < height, typed
        assert page.locator("[data-testid=chips]").is_visible(), typed
    context.close()
