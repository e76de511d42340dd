"""Input at the edges of the calendar and of the number types: a clear refusal, never a 500."""

import base64
import json

import pytest
from django.test import Client

from tests.factories import UserFactory, grant, make_merchant, make_transaction


def _cursor(*parts):
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def _after(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


URLS = [
    "/transactions/?payment_date_to=9999-12-31",
    "/transactions/?payment_date_from=0001-01-01",
    "/transactions/?amount_min=99999999999999999999999999",
    "/transactions/?cursor=" + _cursor("-payment_at", "0001-01-01T00:00:00+01:00", 1),
    "/transactions/?cursor=" + _cursor("-payment_at", "2020-01-01T00:00:00+01:00", 10**30),
    "/transactions/?sort=-amount&cursor=" + _cursor("-amount", 10**30, 1),
    "/transactions/export.csv?payment_date_to=9999-12-31",
    "/transactions/find/?transaction_id=1&payment_date=9999-12-31",
    "/operations/?date_to=9999-12-31",
    "/operations/?date_from=0001-01-01",
    "/operations/?after=" + _after("0001-01-01T00:00:00+05:00|1"),
    "/operations/?after=" + _after("2020-01-01T00:00:00+01:00|99999999999999999999999"),
    "/operations/?after=" + _after("2020-01-01|1"),
    "/api/v1/transactions/?payment_date_to=9999-12-31",
    "/api/v1/transactions/?amount_min=1e30",
    "/api/v1/transactions/?page_size=%C2%B2",
    "/api/v1/transactions/?cursor=" + _cursor("-payment_at", "2020-01-01T00:00:00+01:00", 10**30),
    "/api/v1/operations/?date_to=9999-12-31",
    "/api/v1/operations/?page_size=abc",
    "/api/v1/journals/?date=9999-99-99",
    "/api/v1/journals/?kind=x",
]


@pytest.fixture
def operator_client(db):
    shop = make_merchant()
    user = UserFactory(username="edge-operator")
    grant(user, "OPERATOR", merchant=shop)
    make_transaction(shop)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", URLS)
def test_edge_input_is_refused_or_answered_never_a_server_error(operator_client, url):
    response = operator_client.get(url)

    assert response.status_code < 500, response.status_code
    if response.streaming:
        b"".join(response.streaming_content)


def test_a_date_past_the_searchable_range_says_so(operator_client):
    response = operator_client.get("/transactions/?payment_date_to=9999-12-31")

    assert response.status_code == 400
    assert "2999-12-31" in response.content.decode()
