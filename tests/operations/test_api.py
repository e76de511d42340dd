"""POST /api/v1/transactions/…/{operation}/ and GET /api/v1/operations/."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from operations import api as opapi
from operations.models import IdempotencyKey, Operation
from operations.services.idempotency import idempotency_keys_purge
from tests.factories import UserFactory, api_key, grant, make_merchant
from tests.operations.conftest import NOW, in_status, paris
from transactions.models import Status


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user, 'api')}")
    return client


@pytest.fixture
def api(operator):
    return client_for(operator)


def url(t, kind, number=None):
    number = number or str(int(t.transaction_id))  # typed without its zeros
    return (
        f"/api/v1/transactions/{t.merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/{number}/{kind}/"
    )


def test_a_partial_refund_answers_00_with_the_operation_and_the_transaction(
    api, merchant, operator
):
    t = in_status(merchant, Status.CAPTURED)

    response = api.post(url(t, "refund"), {"amount": 1050}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["response_code"] == "00"
    assert body["operation"]["kind"] == "CREDIT"
    assert body["operation"]["amount"] == 1050
    assert (body["operation"]["channel"], body["operation"]["origin"]) == ("API", "")
    assert body["operation"]["user"] == "operator"
    assert (body["operation"]["status_before"], body["operation"]["status_after"]) == (
        "CAPTURED", "TO_CREDIT",
    )  # fmt: skip
    assert body["transaction"]["transaction_id"] == t.transaction_id
    assert (body["transaction"]["refunded_amount"], body["transaction"]["status"]) == (
        1050, "TO_CREDIT",
    )  # fmt: skip
    # Still possible: a further refund up to what is left, or withdrawing the pending credit.
    assert body["transaction"]["possible_operations"] == {
        "CANCEL": 1050, "CREDIT": 8950, "DUPLICATE": None,
    }  # fmt: skip


def test_a_duplicate_answers_with_the_new_transaction(api, merchant):
    t = in_status(merchant, Status.CAPTURED)

    response = api.post(
        url(t, "duplicate"),
        {"amount": 2000, "transaction_id": "4242", "capture_mode": "VALIDATION", "capture_day": 2},
        format="json",
    )

    assert response.status_code == 200, response.json()
    new = response.json()["transaction"]
    assert (new["transaction_id"], new["amount"], new["status"]) == ("004242", 2000, "TO_VALIDATE")
    assert new["source"]["transaction_id"] == t.transaction_id
    assert new["automatic_response_status"] == "UNDEFINED"
    assert response.json()["operation"]["new_transaction"]["transaction_id"] == "004242"


@pytest.mark.parametrize(
    "status,kind,body,code,http",
    [
        (Status.CAPTURED, "refund", {"amount": "10,50"}, "12", 400),
        (Status.CAPTURED, "refund", {}, "12", 400),
        (Status.CAPTURED, "refund", {"amount": 0}, "12", 400),
        (Status.TO_CAPTURE, "refund", {"amount": 100}, "24", 409),
        (Status.CAPTURED, "refund", {"amount": 10001}, "51", 422),
        (Status.TO_VALIDATE, "validate", {"amount": 10001}, "51", 422),
        (Status.CANCELLED, "validate", {"amount": 1}, "24", 409),
        (Status.CREDITED, "refund", {"amount": 1}, "51", 422),
    ],
)
def test_refusals_answer_their_code_and_http_status(api, merchant, status, kind, body, code, http):
    t = in_status(merchant, status)

    response = api.post(url(t, kind), body, format="json")

    assert response.status_code == http
    assert response.json()["response_code"] == code
    assert response.json()["message"]
    assert Operation.objects.get(transaction=t).response_code == code


def test_a_number_used_that_day_is_409_94(api, merchant):
    t = in_status(merchant, Status.CAPTURED)
    taken = in_status(merchant, Status.CAPTURED, payment_at=NOW)

    response = api.post(
        url(t, "duplicate"), {"amount": 100, "transaction_id": taken.transaction_id}, format="json"
    )

    assert (response.status_code, response.json()["response_code"]) == (409, "94")


def test_outside_the_scope_or_unknown_is_404_25_and_without_the_role_403_40(merchant, operator):
    other = in_status(make_merchant(), Status.CAPTURED)
    mine = in_status(merchant, Status.CAPTURED)
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=merchant)

    for response in (
        client_for(operator).post(url(other, "refund"), {"amount": 1}, format="json"),
        client_for(operator).post(
            url(mine, "refund", number="999999"), {"amount": 1}, format="json"
        ),
        client_for(operator).post(
            f"/api/v1/transactions/{merchant.merchant_id}/2026-02-30/1/refund/", {"amount": 1}
        ),
    ):
        assert (response.status_code, response.json()["response_code"]) == (404, "25")
    response = client_for(consulter).post(url(mine, "refund"), {"amount": 1}, format="json")
    assert (response.status_code, response.json()["response_code"]) == (403, "40")
    assert not Operation.objects.filter(transaction=other).exists()
    mine.refresh_from_db()
    assert mine.refunded_amount == 0


def test_during_the_remittance_window_503_99(api, merchant):
    t = in_status(merchant, Status.CAPTURED)

    with time_machine.travel(paris(2026, 11, 26, 22, 15), tick=False):
        response = api.post(url(t, "refund"), {"amount": 100}, format="json")

    assert (response.status_code, response.json()["response_code"]) == (503, "99")


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_first_answer_and_refunds_once(api, merchant):
    t = in_status(merchant, Status.CAPTURED)

    first = api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    t.refresh_from_db()
    assert t.refunded_amount == 1000
    assert Operation.objects.filter(transaction=t).count() == 1


def test_a_failure_after_the_operation_committed_keeps_the_key_so_a_retry_refunds_once(
    api, merchant, monkeypatch
):
    t = in_status(merchant, Status.CAPTURED)
    answer_builder = opapi.OperationView._success

    def crash_after_commit(self, operation):
        raise RuntimeError("the worker died while answering")

    monkeypatch.setattr(opapi.OperationView, "_success", crash_after_commit)
    api.raise_request_exception = False
    first = api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    monkeypatch.setattr(opapi.OperationView, "_success", answer_builder)
    again = api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="k-9")

    assert first.status_code == 500
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["response_code"] == "00"
    t.refresh_from_db()
    assert t.refunded_amount == 1000
    assert Operation.objects.filter(transaction=t, kind="CREDIT").count() == 1


def test_a_refusal_is_replayed_too(api, merchant):
    t = in_status(merchant, Status.CAPTURED)

    first = api.post(url(t, "refund"), {"amount": 99999}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = api.post(url(t, "refund"), {"amount": 99999}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 422
    assert Operation.objects.filter(transaction=t).count() == 1


def test_the_same_key_with_another_body_is_refused_422_and_does_nothing(api, merchant):
    t = in_status(merchant, Status.CAPTURED)
    api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = api.post(
        url(t, "refund"), {"amount": 2000}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert response.status_code == 422
    assert response.json()["response_code"] == "12"
    t.refresh_from_db()
    assert t.refunded_amount == 1000


def test_keys_are_per_user(api, merchant):
    t = in_status(merchant, Status.CAPTURED)
    colleague = UserFactory(username="colleague")
    grant(colleague, "OPERATOR", merchant=merchant)

    api.post(url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    response = client_for(colleague).post(
        url(t, "refund"), {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    assert response.status_code == 200
    assert response.json()["operation"]["user"] == "colleague"
    t.refresh_from_db()
    assert t.refunded_amount == 2000


def test_a_temporary_refusal_frees_the_key_for_the_retry(api, merchant):
    t = in_status(merchant, Status.CAPTURED)
    with time_machine.travel(paris(2026, 11, 26, 22, 15), tick=False):
        first = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="r")

    retry = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="r")

    assert (first.status_code, retry.status_code) == (503, 200)


def test_keys_are_kept_at_least_a_day(api, merchant):
    t = in_status(merchant, Status.CAPTURED)
    api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="old")

    idempotency_keys_purge(now=NOW + dt.timedelta(hours=25))
    replay = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert replay["Idempotent-Replayed"] == "true"

    idempotency_keys_purge(now=NOW + dt.timedelta(hours=49))
    assert not IdempotencyKey.objects.filter(key="api:old").exists()


# --- the list ---------------------------------------------------------------------------------


def test_the_operations_list_is_scoped_filtered_and_cursor_paginated(api, merchant, operator):
    theirs = in_status(make_merchant(), Status.CAPTURED)
    in_status(theirs.merchant, Status.CAPTURED)
    api_other = client_for(UserFactory(is_bank_staff=True))
    api_other.post(url(theirs, "refund"), {"amount": 100}, format="json")
    mine = [in_status(merchant, Status.CAPTURED) for _ in range(5)]
    for t in mine:
        api.post(url(t, "refund"), {"amount": 100}, format="json")
    api.post(url(mine[0], "refund"), {"amount": 999999}, format="json")

    seen, page = [], "/api/v1/operations/?page_size=2"
    while page:
        body = api.get(page).json()
        seen += body["results"]
        page = body["next"]

    assert len(seen) == 6 and len({o["id"] for o in seen}) == 6
    assert {o["transaction"]["merchant_id"] for o in seen} == {merchant.merchant_id}
    refused = api.get("/api/v1/operations/?response_code=51").json()["results"]
    assert [o["amount"] for o in refused] == [999999]
    assert api.get("/api/v1/operations/?kind=CANCEL").json()["results"] == []
    assert len(api.get("/api/v1/operations/?date_from=2026-11-26&date_to=2026-11-26")
               .json()["results"]) == 6  # fmt: skip
    assert api.get("/api/v1/operations/?date_to=2026-11-25").json()["results"] == []
    bad = api.get("/api/v1/operations/?date_from=yesterday")
    assert (bad.status_code, bad.json()["response_code"]) == (400, "12")


def test_a_body_that_is_not_json_is_an_invalid_request_12(api, merchant):
    t = in_status(merchant, Status.CAPTURED)

    response = api.post(url(t, "refund"), "{amount:", content_type="application/json")

    assert (response.status_code, response.json()["response_code"]) == (400, "12")
    t.refresh_from_db()
    assert t.refunded_amount == 0


def test_the_operation_finds_its_transaction_in_the_scope_of_each_request(merchant, operator):
    """The API's operation locks the row by its key, in the user's scope, at every request (the
    statement is compiled once per process, the roles read each time): a role withdrawn counts
    at the next request, and an invalid body on a transaction out of reach is still 25."""
    t = in_status(merchant, Status.CAPTURED)
    client = client_for(operator)
    assert client.post(url(t, "refund"), {"amount": 100}, format="json").status_code == 200

    operator.accesses.all().delete()
    for body in ({"amount": 100}, {"amount": "ten"}):
        response = client.post(url(t, "refund"), body, format="json")
        assert (response.status_code, response.json()["response_code"]) == (404, "25")
    grant(operator, "CONSULTER", merchant=merchant)
    response = client.post(url(t, "refund"), {"amount": 100}, format="json")
    assert (response.status_code, response.json()["response_code"]) == (403, "40")

    t.refresh_from_db()
    assert t.refunded_amount == 100
    assert list(Operation.objects.filter(transaction=t).values_list("response_code", "amount")) == [
        ("00", 100),
        ("40", 100),
    ]


def test_an_advice_refused_for_its_input_records_the_transactions_amount(merchant, operator):
    t = in_status(merchant, Status.REFERRAL, amount=4321)

    response = client_for(operator).post(
        url(t, "advice"), {"authorisation_id": "12-34"}, format="json"
    )

    assert (response.status_code, response.json()["response_code"]) == (400, "12")
    refused = Operation.objects.get(transaction=t)
    assert (refused.kind, refused.amount, refused.response_code) == ("ADVICE", 4321, "12")
