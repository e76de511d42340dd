"""Operation requests: no card number in a body; a replay answers only a caller who still may."""

import pytest
import time_machine

from merchants.models import Access
from operations.models import Operation
from tests.factories import grant
from tests.operations.conftest import NOW, in_status
from tests.operations.test_api import client_for, url
from transactions.models import Status

PAN = "4974012345678907"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 100, "transaction_id": PAN},
        {"amount": 100, "note": f"card {PAN}"},
        {"amount": int(PAN)},
        {"amount": 100, "capture_mode": "4974 0123 4567 8907"},
    ],
)
def test_a_card_number_in_an_operation_body_is_refused_before_anything_is_recorded(
    merchant, operator, body
):
    t = in_status(merchant, Status.CAPTURED)
    kind = "duplicate" if "transaction_id" in body else "refund"

    response = client_for(operator).post(url(t, kind), body, format="json")

    assert response.status_code == 400
    assert response.json()["response_code"] == "12"
    assert PAN not in response.content.decode()
    assert not Operation.objects.filter(transaction=t).exists()


def test_a_replay_after_the_role_is_revoked_answers_not_found(merchant, operator):
    t = in_status(merchant, Status.CAPTURED, customer_email="camille@example.fr")
    api = client_for(operator)
    first = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200
    assert "camille@example.fr" in first.content.decode()

    Access.objects.filter(user=operator).delete()
    replay = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert replay.status_code == 404
    assert replay.json()["response_code"] == "25"
    assert "camille@example.fr" not in replay.content.decode()
    assert "Idempotent-Replayed" not in replay


def test_a_replay_for_a_caller_who_still_may_gives_the_first_answer(merchant, operator):
    t = in_status(merchant, Status.CAPTURED)
    api = client_for(operator)
    first = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k2")

    replay = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k2")

    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


def test_a_replay_by_a_user_moved_to_another_shop_answers_not_found(merchant, operator):
    from tests.factories import make_merchant

    t = in_status(merchant, Status.CAPTURED)
    api = client_for(operator)
    api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    Access.objects.filter(user=operator).delete()
    grant(operator, "OPERATOR", merchant=make_merchant())

    replay = api.post(url(t, "refund"), {"amount": 100}, format="json", HTTP_IDEMPOTENCY_KEY="k3")

    assert replay.status_code == 404
