"""Findings of the adversarial review: hostile input gets a clear 4xx, never a 500."""

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions.models import Transaction

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def bank_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="nse-bank", is_bank_staff=True))
    return client


@pytest.fixture
def operator(db):
    shop = make_merchant()
    user = UserFactory(username="nse-operator")
    grant(user, "OPERATOR", merchant=shop)
    return user, shop


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/journals/?kind=%00",
        "/api/v1/transactions/?order_id=%00",
        "/transactions/?order_id=a%00b",
        "/operations/?user=%00",
        "/journals/?page=999999999999999999999999",
        "/api/v1/operations/?page_size=999999999999999999999999",
    ],
)
def test_nul_and_huge_numbers_in_the_query_string_are_a_400(bank_client, url):
    response = bank_client.get(url)

    assert response.status_code == 400


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999"])
def test_a_bad_page_number_is_never_a_server_error(bank_client, page):
    response = bank_client.get(f"/journals/?page={page}")

    assert response.status_code in (200, 400, 404)


def test_a_json_body_nested_100000_deep_on_the_feed_is_a_sips_400(feed_client, shop):
    response = feed_client.post("/api/v1/transactions/", DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["response_code"] == "30"
    assert "ERROR IN CALL PARAMETERS STRUCTURE" in response.json()["message"]


def test_a_json_body_nested_100000_deep_on_an_operation_is_a_400(operator):
    user, shop = operator
    t = make_transaction(shop)
    client = APIClient()
    client.force_authenticate(user)
    url = f"/api/v1/transactions/{shop.merchant_id}/{t.payment_date}/{t.transaction_id}/refund/"

    response = client.post(url, DEEP, content_type="application/json")

    assert response.status_code == 400


def test_a_json_body_nested_100000_deep_on_a_shop_patch_is_a_400(db):
    shop = make_merchant()
    client = APIClient()
    client.force_authenticate(UserFactory(username="nse-bank2", is_bank_staff=True))

    response = client.patch(
        f"/api/v1/shops/{shop.merchant_id}/", DEEP, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["response_code"] == "30"


def test_a_moderately_nested_body_past_the_depth_limit_is_refused(feed_client, shop):
    body = "[" * 40 + "{}" + "]" * 40

    response = feed_client.post("/api/v1/transactions/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["message"]


def test_a_body_over_the_size_limit_is_a_413_in_sips_wording(feed_client, shop, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"order_id": "' + "x" * 2000 + '"}'

    response = feed_client.post("/api/v1/transactions/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "response_code": "30",
        "message": "ERROR IN CALL PARAMETERS STRUCTURE (body too large)",
    }


@pytest.mark.parametrize("year", [2999, 9999])
def test_thirty_rows_dated_at_the_end_of_the_calendar_page_to_page_two(operator, year):
    user, shop = operator
    # Rows stored before the feed refused such dates: the list still pages through them.
    moment = dt.datetime(year, 12, 30, 12, 0, tzinfo=dt.UTC)
    for i in range(30):
        make_transaction(shop, payment_at=moment - dt.timedelta(minutes=i))
    client = Client(raise_request_exception=False)
    client.force_login(user)

    first = client.get("/transactions/")
    assert first.status_code == 200
    cursor = first.context["page"].next_cursor
    assert cursor
    second = client.get("/transactions/", {"cursor": cursor})

    assert second.status_code == 200
    shown = {t.pk for t in first.context["page"].rows} | {t.pk for t in second.context["page"].rows}
    assert shown == set(Transaction.objects.filter(merchant=shop).values_list("pk", flat=True))
