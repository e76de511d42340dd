import re

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from merchants.models import Access
from tests.factories import UserFactory, grant, make_merchant


@pytest.fixture
def operator(db):
    user = UserFactory(username="op")
    grant(user, Access.Role.OPERATOR, merchant=make_merchant("014213245611111"))
    make_merchant("029800266211111")
    return user


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _new_token(client) -> str:
    page = client.post("/accounts/profile/token/", {"action": "create"}).content.decode()
    return re.search(r'data-testid="new-token">([0-9a-f]{40})<', page).group(1)


def test_a_token_made_on_the_profile_page_has_exactly_the_users_rights(client, operator):
    client.force_login(operator)

    key = _new_token(client)

    shops = _api(key).get("/api/v1/shops/").json()["shops"]
    assert [s["merchant_id"] for s in shops] == ["014213245611111"]
    assert _api(key).get("/api/v1/shops/029800266211111/").json()["response_code"] == "25"
    # Shown once: the profile page afterwards shows only its first characters.
    assert key not in client.get("/accounts/profile/").content.decode()


def test_a_revoked_or_regenerated_token_stops_working(client, operator):
    client.force_login(operator)
    first = _new_token(client)
    second = _new_token(client)

    assert _api(first).get("/api/v1/shops/").status_code == 401
    assert _api(second).get("/api/v1/shops/").status_code == 200

    client.post("/accounts/profile/token/", {"action": "revoke"})

    assert _api(second).get("/api/v1/shops/").status_code == 401
    assert not Token.objects.filter(user=operator).exists()


def test_the_payment_server_feeds_and_does_nothing_else(db, capsys):
    UserFactory(username="paymentserver", is_payment_server=True)
    make_merchant("014213245611111")
    call_command("api_token", "paymentserver")
    key = capsys.readouterr().out.strip()
    api = _api(key)

    assert api.get("/api/v1/shops/").status_code == 403
    assert api.get("/api/v1/shops/014213245611111/").json()["response_code"] == "40"
    fed = api.post(
        "/api/v1/transactions/",
        {
            "merchant_id": "014213245611111",
            "transaction_id": "1",
            "amount": "1050",
            "currency_code": "978",
            "response_code": "00",
            "payment_means": "CB",
            "card_number": "4974.12",
        },
        format="json",
    )
    assert fed.status_code in (201, 400), fed.content  # let in; the body's grammar is the feed's
    assert fed.json()["response_code"] != "40"


def test_the_language_preference_is_saved_on_the_profile(client, operator):
    client.force_login(operator)

    client.post("/accounts/profile/", {"language": "en"})

    operator.refresh_from_db()
    assert operator.language == "en"
    assert "Log out" in client.get("/").content.decode()
