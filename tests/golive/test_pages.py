"""On screen: the environment badge on every page of a non-production shop, lists filtered by
environment, the shop's go-live page with its date picker, and the bank's view."""

import json
import re

import pytest
from django.test import Client

from golive.models import GoLiveRequest
from golive.services import golive_approve, golive_request, golive_run
from merchants.models import Access
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.journals.conftest import make_op

from .conftest import FRIDAY, NEXT_DAY, paris


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def detail_url(t) -> str:
    return f"/transactions/{t.merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/{t.transaction_id}/"


def test_every_page_of_a_non_production_shop_carries_its_badge(people, preprod, demo, at_now):
    live = make_merchant(name="En ligne", environment="PRODUCTION")
    bank = logged_in(people["bank"])
    pages = {
        "demo": [detail_url(make_transaction(demo)), f"/shops/{demo.merchant_id}/"],
        "pre_production": [
            detail_url(make_transaction(preprod)),
            f"/shops/{preprod.merchant_id}/",
            f"/shops/{preprod.merchant_id}/go-live/",
        ],
        "production": [detail_url(make_transaction(live)), f"/shops/{live.merchant_id}/"],
    }

    for env, urls in pages.items():
        for url in urls:
            html = bank.get(url).content.decode()
            banner = re.search(r'data-testid="env-banner"', html)
            if env == "production":
                assert banner is None, url
            else:
                assert banner is not None, url
                assert f'class="env-badge env-{env}"' in html, url


def test_the_shops_list_beside_every_page_marks_the_non_production_shops(people, preprod, demo):
    html = logged_in(people["bank"]).get("/transactions/").content.decode()

    shops = re.findall(r'<li data-testid="shop">(.*?)</li>', html, re.S)
    assert any("014213245611111" in s and "PRE-PRODUCTION" in s for s in shops)
    assert any("014213245611112" in s and "DEMO" in s for s in shops)


def test_transactions_can_be_filtered_by_the_shops_environment(people, preprod, demo, at_now):
    in_preprod = make_transaction(preprod, order_id="ORDER-PREPROD")
    in_demo = make_transaction(demo, order_id="ORDER-DEMO")
    bank = logged_in(people["bank"])

    only_demo = bank.get("/transactions/?environment=DEMO").content.decode()
    only_preprod = bank.get("/transactions/?environment=PRE_PRODUCTION").content.decode()
    api = bank.get("/api/v1/transactions/?environment=DEMO").json()

    assert in_demo.order_id in only_demo and in_preprod.order_id not in only_demo
    assert in_preprod.order_id in only_preprod and in_demo.order_id not in only_preprod
    assert {t["order_id"] for t in api["results"]} == {"ORDER-DEMO"}


def test_operations_can_be_filtered_by_the_shops_environment(people, preprod, demo, at_now):
    for shop in (preprod, demo):
        make_op(make_transaction(shop), "CANCEL", 100, "TO_CAPTURE", "TO_CAPTURE")
    bank = logged_in(people["bank"])

    api = bank.get("/api/v1/operations/?environment=DEMO").json()
    page = bank.get("/operations/?environment=PRE_PRODUCTION").content.decode()
    table = page.split('data-testid="operations-filter"')[1]

    assert {o["transaction"]["merchant_id"] for o in api["results"]} == {demo.merchant_id}
    assert preprod.merchant_id in table and demo.merchant_id not in table


def test_the_date_picker_offers_only_allowed_days_and_shows_the_next_one(people, preprod):
    html = logged_in(people["admin"]).get(f"/shops/{preprod.merchant_id}/go-live/").content
    html = html.decode()

    allowed = json.loads(re.search(r'data-allowed="([^"]*)"', html).group(1).replace("&quot;", '"'))
    assert allowed[0] == "2027-06-09" and FRIDAY.isoformat() not in allowed
    assert "2027-06-14" in allowed
    assert 'min="2027-06-09"' in html
    assert "Next possible day: Wednesday 9 June 2027" in html
    assert "Monday to Thursday only" in html  # the rules, shown


def test_a_friday_posted_anyway_is_refused_with_the_rule(people, preprod):
    response = logged_in(people["admin"]).post(
        f"/shops/{preprod.merchant_id}/go-live/",
        {"environment": "PRODUCTION", "switch_date": FRIDAY.isoformat()},
    )

    assert response.status_code == 400
    assert "never on a Friday" in response.content.decode()
    assert not GoLiveRequest.objects.exists()


def test_a_consulter_sees_the_page_but_not_the_form_and_cannot_post(people, preprod):
    consulter = logged_in(people["consulter"])

    page = consulter.get(f"/shops/{preprod.merchant_id}/go-live/").content.decode()
    post = consulter.post(
        f"/shops/{preprod.merchant_id}/go-live/",
        {"environment": "PRODUCTION", "switch_date": NEXT_DAY.isoformat()},
    )

    assert 'data-testid="request-form"' not in page and 'data-testid="timeline"' in page
    assert post.status_code == 403
    assert not GoLiveRequest.objects.exists()


def test_ask_then_withdraw_on_the_web(people, preprod):
    admin = logged_in(people["admin"])
    admin.post(
        f"/shops/{preprod.merchant_id}/go-live/",
        {"environment": "PRODUCTION", "switch_date": NEXT_DAY.isoformat()},
    )
    request = GoLiveRequest.objects.get()

    admin.post(f"/shops/{preprod.merchant_id}/go-live/{request.pk}/withdraw/")

    request.refresh_from_db()
    assert request.status == "WITHDRAWN"


def test_the_banks_view_pending_today_week_history_and_its_filter(people, preprod, demo):
    pending = golive_request(
        actor=people["admin"],
        merchant_pk=demo.pk,
        environment="PRE_PRODUCTION",
        switch_date=NEXT_DAY,
    )
    approved = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    golive_approve(actor=people["bank"], request_pk=approved.pk)
    bank = logged_in(people["bank"])

    page = bank.get("/go-live/").content.decode()
    production_only = bank.get("/go-live/?environment=PRODUCTION").content.decode()

    def section(html, testid):
        return re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S).group(1)

    assert "014213245611112" in section(page, "pending")
    assert "014213245611111" not in section(page, "pending")
    assert "014213245611111" in section(page, "week")  # Wednesday of this week
    assert "014213245611111" not in section(page, "today")
    assert "014213245611112" in section(page, "history")
    assert "014213245611112" not in section(production_only, "history")
    assert "014213245611112" not in section(production_only, "pending")
    assert pending.pk
    # Merchant staff see their own shops there, and only those.
    mine = logged_in(people["admin"]).get("/go-live/").content.decode()
    assert "014213245611111" in section(mine, "shops") and "Autre" not in mine
    assert "PRE-PRODUCTION" in section(mine, "shops")


def test_the_bank_approves_and_refuses_on_the_web(people, preprod, demo):
    one = golive_request(
        actor=people["admin"],
        merchant_pk=preprod.pk,
        environment="PRODUCTION",
        switch_date=NEXT_DAY,
    )
    two = golive_request(
        actor=people["admin"],
        merchant_pk=demo.pk,
        environment="PRE_PRODUCTION",
        switch_date=NEXT_DAY,
    )
    bank = logged_in(people["bank"])

    bank.post(f"/go-live/{one.pk}/approve/")
    bank.post(f"/go-live/{two.pk}/refuse/", {"reason": "Contrat non signé"})
    golive_run(now=paris(2027, 6, 9, 10, 0))

    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status, two.reason) == ("DONE", "REFUSED", "Contrat non signé")
    timeline = bank.get(f"/shops/{preprod.merchant_id}/go-live/").content.decode()
    assert "useradmin" in timeline and "adviser" in timeline


def test_the_console_no_longer_sets_the_environment(people, preprod):
    bank = logged_in(people["bank"])
    form = {
        "name": preprod.name,
        "country": preprod.country,
        "environment": "PRODUCTION",
        "journal_email": preprod.journal_email,
        "is_active": "on",
        "payment_means-TOTAL_FORMS": "0",
        "payment_means-INITIAL_FORMS": "0",
        "payment_means-MIN_NUM_FORMS": "0",
        "payment_means-MAX_NUM_FORMS": "1000",
    }

    response = bank.post(f"/admin/merchants/merchant/{preprod.pk}/change/", form)

    assert response.status_code == 302
    preprod.refresh_from_db()
    assert preprod.environment == "PRE_PRODUCTION"


@pytest.mark.parametrize("role", [Access.Role.CONSULTER, Access.Role.USER_ADMIN])
def test_the_go_live_page_is_for_the_shops_people_only(db, preprod, role):
    someone = UserFactory(username=f"x-{role}")
    grant(someone, role, merchant=make_merchant(name="Ailleurs"))

    assert logged_in(someone).get(f"/shops/{preprod.merchant_id}/go-live/").status_code == 404
