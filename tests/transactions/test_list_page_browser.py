"""Tables that sort and page both ways, in a real browser, in French and English, at desktop and
phone widths: page 3 then previous returns page 2, back to the search restores the search and
its page, and the column headers sort and toggle."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser import log_in
from tests.factories import UserFactory, grant, make_merchant, make_transaction

PARIS = ZoneInfo("Europe/Paris")
WORDS = {
    "fr": {"page": "Page {}", "range": "{}–{} sur 60"},
    "en": {"page": "Page {}", "range": "{}–{} of 60"},
}


def _numbers(page) -> list[str]:
    return [
        link.inner_text().strip()
        for link in page.locator("[data-testid=result] td a").all()
        if link.inner_text().strip().isdigit()
    ]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_pages_both_ways_back_to_the_search_and_header_sorts(
    live_server, transactional_db, browser, language, width, height
):
    shop = make_merchant("014213245611111", name="Boutique Démo Paris")
    user = UserFactory(username="lea", password="pw-for-tests-1", language=language)
    grant(user, "CONSULTER", merchant=shop)
    start = dt.datetime(2026, 11, 27, 8, tzinfo=PARIS)
    for n in range(1, 61):
        make_transaction(
            shop,
            transaction_id=f"{n:06d}",
            payment_at=start + dt.timedelta(minutes=n),
            amount=1000 + (n * 37) % 61,
            customer_email=f"client{n}@example.fr",
        )
    words = WORDS[language]

    context = browser.new_context(
        locale="fr-FR" if language == "fr" else "en-GB",
        viewport={"width": width, "height": height},
    )
    page = context.new_page()
    log_in(page, live_server.url, "lea", "pw-for-tests-1")

    page.goto(f"{live_server.url}/transactions/?payment_means=CB&page_size=25")
    indicator = page.locator("[data-testid=page-number]")
    assert indicator.inner_text() == words["page"].format(1)
    page.locator("[data-testid=next-page]").click()
    page.wait_for_url("**cursor=*")
    second = _numbers(page)
    assert indicator.inner_text() == words["page"].format(2)
    page.locator("[data-testid=next-page]").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=page-number]').innerText.endsWith('3')"
    )
    assert page.locator("[data-testid=page-range]").inner_text() == words["range"].format(51, 60)

    page.locator("[data-testid=previous-page]").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=page-number]').innerText.endsWith('2')"
    )
    assert _numbers(page) == second
    assert page.locator("[data-testid=page-range]").inner_text() == words["range"].format(26, 50)

    # Back to the search from a transaction of page 2, after moving to the next transaction.
    page.locator("[data-testid=result] td a", has_text=second[3]).click()
    page.wait_for_selector("[data-testid=neighbours]")
    page.locator("[data-testid=next-transaction]").click()
    page.wait_for_url(f"**/{second[4]}/?*")
    page.locator("[data-testid=back-to-search]").click()
    page.wait_for_url("**/transactions/?*")
    assert indicator.inner_text() == words["page"].format(2)
    assert _numbers(page) == second
    assert "payment_means=CB" in page.url and "page_size=25" in page.url

    # The amount header sorts (highest first), then toggles; the search stays.
    page.locator("[data-testid=sort-amount]").click()
    page.wait_for_url("**sort=-amount*")
    amount_header = page.locator("th", has=page.locator("[data-testid=sort-amount]"))
    assert amount_header.get_attribute("aria-sort") == "descending"
    assert indicator.inner_text() == words["page"].format(1)
    page.locator("[data-testid=sort-amount]").click()
    page.wait_for_url("**sort=amount*")
    assert amount_header.get_attribute("aria-sort") == "ascending"
    assert "payment_means=CB" in page.url
    context.close()
