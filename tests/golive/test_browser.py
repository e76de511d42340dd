"""In real Chromium: a USER_ADMIN asks for production, the date picker refuses a Friday, bank
staff approve, and after the 10:00 switch the pre-production badge is gone."""

import os

import pytest
import time_machine
from django.conf import settings
from django.test import Client
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


def session_of(user) -> str:
    """A logged-in session for `user`, second factor verified (USER_ADMIN and bank staff need
    one; tests/conftest.py's force_login gives it; the two-factor tests type real codes)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_in(browser, base, session):
    context = browser.new_context(locale="fr-FR")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/")
    page.get_by_test_id("current-user").wait_for()
    return page


def test_user_admin_asks_production_friday_refused_bank_approves_badge_changes(
    live_server, people, preprod
):
    base = live_server.url
    golive = f"{base}/shops/{preprod.merchant_id}/go-live/"
    with time_machine.travel(NOW, tick=True):
        sessions = {who: session_of(people[who]) for who in ("admin", "bank")}
        ask_a_friday_then_the_next_day_and_approve(base, golive, sessions)

    request = GoLiveRequest.objects.get(merchant=preprod)
    assert (request.switch_date.isoformat(), request.status) == ("2027-06-09", "APPROVED")
    golive_run(now=paris(2027, 6, 9, 10, 0))

    with time_machine.travel(paris(2027, 6, 9, 10, 1), tick=True):
        session = session_of(people["admin"])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            admin = log_in(browser, base, session)
            admin.goto(golive)
            assert admin.get_by_test_id("env-banner").count() == 0
            assert admin.get_by_test_id("env-badge").count() == 0
            assert admin.get_by_test_id("environment").inner_text() == "Production"
            browser.close()


def ask_a_friday_then_the_next_day_and_approve(base, golive, sessions):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        admin = log_in(browser, base, sessions["admin"])
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

        bank = log_in(browser, base, sessions["bank"])
        bank.goto(f"{base}/go-live/")
        with bank.expect_navigation():
            bank.click("[data-testid=pending] [data-testid=approve]")
        assert "014213245611111" in bank.get_by_test_id("week").inner_text()
        browser.close()
