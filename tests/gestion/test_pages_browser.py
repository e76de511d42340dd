"""In real Chromium, in French and English, at 1366 and 390 px: no page scrolls sideways, axe-core
(axe-playwright-python's own axe.min.js, nothing fetched) finds no serious or critical violation,
the home page's to-do links open the right lists and a refund's confirmation names the
transaction."""

import datetime as dt
import os

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from merchants.models import Access, User
from tests.factories import UserFactory, grant, make_merchant
from tests.operations.conftest import NOW, in_status
from tests.operations.test_browser import CHROMIUM_ARGS
from transactions.models import Status

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTINGS = [("fr-FR", 1366), ("fr-FR", 390), ("en-GB", 1366), ("en-GB", 390)]


def _world():
    shop = make_merchant(name="Boutique Lumière")
    user = UserFactory(username="manager")
    grant(user, Access.Role.OPERATOR, merchant=shop)
    grant(user, Access.Role.USER_ADMIN, merchant=shop)
    colleague = UserFactory(username="colleague")
    grant(colleague, Access.Role.CONSULTER, merchant=shop)
    UserFactory(username="adviser", is_bank_staff=True)
    captured = in_status(shop, Status.CAPTURED, customer_email="lea.durand@example.fr")
    in_status(shop, Status.TO_VALIDATE, capture_date=NOW.date() + dt.timedelta(days=1))
    in_status(shop, Status.TO_CREDIT)
    return shop, user, colleague, captured


def _session(user) -> str:
    """A signed-in session for `user` (second factor done, as tests/conftest.py's force_login
    does), made before Playwright starts: inside its block the ORM would use another connection."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(browser, base, session, locale, width):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    return context


def _check(page, axe, where):
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{where} scrolls sideways by {sideways} px"
    found = axe.run(page).response["violations"]
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where}: {bad}"


@pytest.mark.parametrize("locale, width", SETTINGS)
def test_every_page_fits_the_screen_and_passes_axe(live_server, locale, width):
    shop, user, colleague, t = _world()
    detail = t.get_absolute_url()
    pages = [
        "/",
        "/transactions/",
        detail,
        f"{detail}refund/",
        "/operations/",
        "/operations/?date_from=2026-11-20&date_to=2026-11-01",
        "/remittances/",
        "/journals/",
        "/users/",
        f"/users/{colleague.pk}/",
        f"/users/{colleague.pk}/deactivate/",
        "/accounts/profile/",
        "/nowhere/",
    ]
    axe = Axe()
    manager, adviser = _session(user), _session(User.objects.get(username="adviser"))
    base = live_server.url
    with time_machine.travel(NOW, tick=True), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        anonymous = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
        page = anonymous.new_page()
        page.goto(f"{base}/accounts/login/")
        _check(page, axe, "login")
        anonymous.close()
        context = _signed_in(browser, base, manager, locale, width)
        page = context.new_page()
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            _check(page, axe, path)
        page.goto(f"{live_server.url}{detail}refund/")
        page.fill("input[name=amount]", "20")
        page.click("button[name=step][value=preview]")
        _check(page, axe, "confirmation")
        context.close()

        console = _signed_in(browser, base, adviser, locale, width)
        page = console.new_page()
        page.goto(f"{live_server.url}/admin/merchants/merchant/{shop.pk}/change/")
        _check(page, axe, "console shop page")
        browser.close()


@pytest.mark.parametrize("locale, width", SETTINGS)
def test_the_to_do_links_open_their_lists_and_a_refund_confirmation_names_the_transaction(
    live_server, locale, width
):
    shop, user, colleague, t = _world()
    french = locale.startswith("fr")
    session = _session(user)
    with time_machine.travel(NOW, tick=True), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = _signed_in(browser, live_server.url, session, locale, width).new_page()
        page.goto(f"{live_server.url}/")
        if not french:
            page.get_by_role("button", name="EN", exact=True).click()
        task = page.get_by_test_id("todo-to-validate").get_by_role("link")
        assert task.locator(".count").inner_text() == "1"
        task.click()
        page.wait_for_url("**/transactions/?*")
        assert page.get_by_test_id("result").count() == 1
        page.goto(f"{live_server.url}/")
        page.get_by_test_id("todo-credits").get_by_role("link").click()
        page.wait_for_url("**/transactions/?*")
        assert page.get_by_test_id("result").count() == 1

        page.goto(f"{live_server.url}{t.get_absolute_url()}refund/")
        page.fill("input[name=amount]", "20,00" if french else "20.00")
        page.click("button[name=step][value=preview]")
        assert page.get_by_test_id("confirm-number").inner_text() == t.transaction_id
        assert "Boutique Lumière" in page.get_by_test_id("confirm-shop").inner_text()
        assert page.get_by_test_id("confirm-customer").inner_text() == "lea.durand@example.fr"
        button = page.get_by_test_id("confirm-button").inner_text()
        assert button == ("Rembourser 20,00\u00a0€" if french else "Refund €20.00")
        page.fill("input[name=reason]", "Colis retourné")
        page.get_by_test_id("confirm-button").click()
        page.wait_for_url(f"**{t.get_absolute_url()}")
        assert "Colis retourné" in page.get_by_test_id("operation-reason").inner_text()
        browser.close()
