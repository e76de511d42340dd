"""The pinned API: GET/POST /api/v1/shops/{merchant_id}/go-live/, bank-only approve and refuse,
and the environment in the shop's JSON."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from golive import rules
from golive.models import GoLiveRequest
from golive.services import golive_run

from .conftest import FRIDAY, NEXT_DAY, paris

URL = "/api/v1/shops/014213245611111/go-live/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_user_admin_asks_and_gets_the_requests_id(people, preprod):
    response = client_for(people["admin"]).post(
        URL, {"environment": "PRODUCTION", "date": NEXT_DAY.isoformat()}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    request = GoLiveRequest.objects.get()
    assert body["id"] == request.pk and body["response_code"] == "00"
    assert body["request"]["status"] == "PENDING" and body["request"]["date"] == "2027-06-09"


def test_a_friday_is_a_400_with_the_rules_wording_and_nothing_saved(people, preprod):
    with translation.override("en"):
        wording = str(rules.RULE_WEEKDAY)
    response = client_for(people["admin"]).post(
        URL,
        {"environment": "PRODUCTION", "date": FRIDAY.isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["response_code"] == "12"
    assert wording in response.json()["message"]
    assert not GoLiveRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ({"environment": "LIVE", "date": "2027-06-09"}, "environment"),
        ({"environment": "PRODUCTION", "date": "09/06/2027"}, "YYYY-MM-DD"),
        ({"environment": "PRODUCTION", "date": "2027-06-09", "toto": 12}, "toto"),
        ({"environment": "PRODUCTION", "date": "9999-12-31"}, "within a year"),
    ],
)
def test_bad_input_is_a_clear_400_and_saves_nothing(people, preprod, body, what):
    response = client_for(people["admin"]).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400 and what in response.json()["message"]
    assert not GoLiveRequest.objects.exists()


def test_a_consulter_gets_40_another_shops_user_gets_25(people, preprod):
    body = {"environment": "PRODUCTION", "date": NEXT_DAY.isoformat()}
    consulter = client_for(people["consulter"]).post(URL, body, format="json")
    stranger = client_for(people["stranger"]).post(URL, body, format="json")
    stranger_get = client_for(people["stranger"]).get(URL)

    assert (consulter.status_code, consulter.json()["response_code"]) == (403, "40")
    assert (stranger.status_code, stranger.json()["response_code"]) == (404, "25")
    assert stranger_get.status_code == 404
    assert not GoLiveRequest.objects.exists()


def test_a_second_pending_request_is_a_409(people, preprod):
    body = {"environment": "PRODUCTION", "date": NEXT_DAY.isoformat()}
    client_for(people["admin"]).post(URL, body, format="json")
    second = client_for(people["admin"]).post(URL, body, format="json")

    assert (second.status_code, second.json()["response_code"]) == (409, "24")
    assert GoLiveRequest.objects.count() == 1


def test_only_the_bank_approves_or_refuses_then_the_shop_json_says_production(people, preprod):
    body = {"environment": "PRODUCTION", "date": NEXT_DAY.isoformat()}
    pk = client_for(people["admin"]).post(URL, body, format="json").json()["id"]
    by_admin = client_for(people["admin"]).post(f"{URL}{pk}/approve/", {}, format="json")
    refuse_by_admin = client_for(people["admin"]).post(
        f"{URL}{pk}/refuse/", {"reason": "no"}, format="json"
    )
    by_bank = client_for(people["bank"]).post(f"{URL}{pk}/approve/", {}, format="json")
    golive_run(now=paris(2027, 6, 9, 10, 0))
    shop = client_for(people["consulter"]).get("/api/v1/shops/014213245611111/").json()
    listing = client_for(people["admin"]).get(URL).json()

    assert (by_admin.status_code, by_admin.json()["response_code"]) == (403, "40")
    assert refuse_by_admin.status_code == 403
    assert by_bank.status_code == 200 and by_bank.json()["request"]["status"] == "APPROVED"
    assert shop["shop"]["environment"] == "PRODUCTION"
    assert listing["environment"] == "PRODUCTION" and listing["next_environment"] is None
    assert listing["requests"][0]["status"] == "DONE"
    assert [row["environment"] for row in listing["timeline"]] == ["PRE_PRODUCTION", "PRODUCTION"]
    assert listing["timeline"][1]["approved_by"] == "adviser"


def test_the_bank_refuses_with_a_reason(people, preprod):
    body = {"environment": "PRODUCTION", "date": NEXT_DAY.isoformat()}
    pk = client_for(people["admin"]).post(URL, body, format="json").json()["id"]

    blank = client_for(people["bank"]).post(f"{URL}{pk}/refuse/", {}, format="json")
    refused = client_for(people["bank"]).post(
        f"{URL}{pk}/refuse/", {"reason": "PV de recette manquant"}, format="json"
    )

    assert blank.status_code == 400
    assert refused.status_code == 200
    assert refused.json()["request"]["status"] == "REFUSED"
    assert refused.json()["request"]["reason"] == "PV de recette manquant"


def test_the_list_shows_the_next_step_and_first_possible_day(people, preprod):
    body = client_for(people["admin"]).get(URL).json()

    assert body["environment"] == "PRE_PRODUCTION"
    assert body["next_environment"] == "PRODUCTION"
    assert body["next_date"] == "2027-06-09"


def test_the_environment_is_not_a_setting_the_api_changes(people, preprod):
    response = client_for(people["bank"]).patch(
        "/api/v1/shops/014213245611111/", {"environment": "PRODUCTION"}, format="json"
    )

    assert response.status_code == 400
    preprod.refresh_from_db()
    assert preprod.environment == "PRE_PRODUCTION"


def test_the_shops_list_is_filtered_by_environment(people, preprod, demo):
    bank = client_for(people["bank"])

    demo_only = bank.get("/api/v1/shops/?environment=DEMO").json()["shops"]
    bad = bank.get("/api/v1/shops/?environment=LIVE")

    assert "014213245611112" in {s["merchant_id"] for s in demo_only}
    assert {s["environment"] for s in demo_only} == {"DEMO"}
    assert bad.status_code == 400
