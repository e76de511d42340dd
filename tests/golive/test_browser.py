"""In real Chromium: a USER_ADMIN asks for production, the date picker refuses a Friday, bank
staff approve, and after the 10:00 switch the pre-production badge is gone."""

import os

import pytest
import time_machine
from playwright.sync_api import sync_playwright

from golive.models import GoLiveRequest
from golive.services import golive_run

from .conftest import NOW, paris

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def log_in(browser, base, username):
    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button.primary")
    page.wait_for_url(f"{base}/")
    return page


def test_user_admin_asks_production_friday_refused_bank_approves_badge_changes(
    live_server, people, preprod
):
    base = live_server.url
    golive = f"{base}/shops/{preprod.merchant_id}/go-live/"
    with time_machine.travel(NOW, tick=True), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        admin = log_in(browser, base, "useradmin")
        admin.goto(golive)
        assert admin.get_by_test_id("env-banner").count() == 1
        assert admin.get_by_test_id("env-badge").first.inner_text() in (
            "PRE-PRODUCTION",
            "PRÉ-PRODUCTION",
        )
        assert "2027" in admin.get_by_test_id("next-day").inner_text()

        admin.fill("#id_switch_date", "2027-06-11")  # a Friday
        refusal = admin.get_by_test_id("date-refusal")
        refusal.wait_for(state="visible")
        assert any(word in refusal.inner_text() for word in ("Friday", "vendredi"))
        admin.click("[data-testid=ask]")  # the picker holds the form back
        assert admin.url == golive

        admin.click("button.day[data-day='2027-06-09']")  # the next possible day
        assert refusal.inner_text().strip() == ""
        with admin.expect_navigation():
            admin.click("[data-testid=ask]")
        assert admin.get_by_test_id("open-request").count() == 1

        bank = log_in(browser, base, "adviser")
        bank.goto(f"{base}/go-live/")
        with bank.expect_navigation():
            bank.click("[data-testid=pending] [data-testid=approve]")
        assert "014213245611111" in bank.get_by_test_id("week").inner_text()
        browser.close()

    request = GoLiveRequest.objects.get(merchant=preprod)
    assert (request.switch_date.isoformat(), request.status) == ("2027-06-09", "APPROVED")
    golive_run(now=paris(2027, 6, 9, 10, 0))

    with time_machine.travel(paris(2027, 6, 9, 10, 1), tick=True), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        admin = log_in(browser, base, "useradmin")
        admin.goto(golive)
        assert admin.get_by_test_id("env-banner").count() == 0
        assert admin.get_by_test_id("env-badge").count() == 0
        assert admin.get_by_test_id("environment").inner_text() == "Production"
        browser.close()
