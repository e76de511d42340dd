"""In a real browser: a bank staff member enrols TOTP, logs out, logs in with a code, and a
wrong code is refused."""

import base64
import os
import time

import pytest
from django_otp.oath import TOTP

from tests.factories import UserFactory
from tests.merchants.test_login_browser import CHROMIUM_ARGS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

pytestmark = [pytest.mark.browser, pytest.mark.real_two_factor]
PASSWORD = "pw-for-tests-1"


def _code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows for `secret`, now (+ offset seconds)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    generator = TOTP(key, step=30, t0=0, digits=6, drift=0)
    generator.time = time.time() + offset
    return f"{generator.token():06d}"


@pytest.fixture
def page(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    UserFactory(username="conseiller", is_bank_staff=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(base_url=live_server.url)
        finally:
            browser.close()


def _log_in(page):
    page.goto("/")
    page.fill("#id_username", "conseiller")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")


def test_bank_staff_enrol_log_out_and_log_in_with_a_code(page):
    _log_in(page)
    page.wait_for_url("**/accounts/two-factor/setup/**")
    assert page.locator('[data-testid="qr"]').get_attribute("src").startswith("data:image/svg")
    secret = page.locator('[data-testid="secret"]').inner_text()

    page.fill("#id_code", _code(secret))
    page.click("button[type=submit].primary")
    page.locator('[data-testid="backup-codes"]').wait_for()
    assert page.locator('[data-testid="backup-codes"] li').count() == 10
    page.click("text=Continue" if "Continue" in page.content() else "text=Continuer")
    page.locator('[data-testid="current-user"]').wait_for()

    page.click("form.logout button")
    page.wait_for_url("**/accounts/login/**")
    _log_in(page)
    page.wait_for_url("**/accounts/two-factor/verify/**")

    wrong = "000000" if _code(secret) != "000000" else "111111"
    page.fill("#id_code", wrong)
    page.click("button[type=submit].primary")
    page.locator(".errorlist").wait_for()
    assert "/accounts/two-factor/verify/" in page.url

    # The right code of the next time step (the enrolment used this one; a wrong try also
    # makes django-otp wait a moment before the next).
    page.wait_for_timeout(1500)
    page.fill("#id_code", _code(secret, offset=30))
    page.click("button[type=submit].primary")
    page.locator('[data-testid="current-user"]').wait_for()
    assert page.locator('[data-testid="current-user"]').inner_text() == "conseiller"
