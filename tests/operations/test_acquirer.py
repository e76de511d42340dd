"""The acquirer behind its gateway: re-authorisation at the end of a long delay, validation of
TO_REPLAY, forcing a REFERRAL, duplication's real answer, and 90 when no acquirer can answer."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from operations.models import Operation
from operations.services import (
    OperationRefused,
    remittance_run,
    transaction_advice,
    transaction_duplicate,
    transaction_validate,
)
from tests.factories import api_key, grant, make_merchant
from tests.operations.conftest import NOW, in_status, paris, shop_in
from tests.operations.gateways import Answering
from tests.waiting import Outcome, start_together
from transactions.models import Status, Transaction
from transactions.services import transactions_feed

GATEWAYS = "tests.operations.gateways"
PAYMENT_DAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def fresh_calls():
    Answering.calls = []


def feed_long_delay(merchant, amount="10000", mode="AUTHOR_CAPTURE", number="1"):
    item = {
        "merchant_id": merchant.merchant_id, "transaction_id": number, "amount": amount,
        "currency_code": "978", "payment_means": "CB", "card_number": "4974.12",
        "response_code": "00", "authorisation_id": "OLD001", "payment_date": "20261116",
        "payment_time": "101500", "capture_mode": mode, "capture_day": "10",
    }  # fmt: skip
    return transactions_feed(items=[item])[0]


def evening(day: dt.date) -> dt.datetime:
    return paris(day.year, day.month, day.day, 22)


def kinds(t):
    return list(
        Operation.objects.filter(transaction=t).order_by("id").values_list("kind", "response_code")
    )


def test_capture_day_10_waits_then_is_reauthorised_and_captured_at_the_end_of_its_delay(merchant):
    t = feed_long_delay(merchant)
    assert (t.status, t.capture_date) == (Status.TO_AUTHORIZE, dt.date(2026, 11, 26))

    remittance_run(run_date=dt.date(2026, 11, 25), now=evening(dt.date(2026, 11, 25)))
    t.refresh_from_db()
    assert t.status == Status.TO_AUTHORIZE  # no capture on a 9-day-old authorisation

    done = remittance_run(run_date=dt.date(2026, 11, 26), now=evening(dt.date(2026, 11, 26)))

    t.refresh_from_db()
    assert (t.status, t.captured_amount) == (Status.CAPTURED, 10000)
    assert t.authorisation_id not in ("", "OLD001")
    assert kinds(t) == [("AUTHOR_BATCH", "00"), ("AUTHOR", "00"), ("DEBIT_CAPTURE", "00")]
    assert (done["AUTHOR_BATCH"], done["AUTHOR"], done["DEBIT_CAPTURE"]) == (1, 1, 1)


def test_a_refused_reauthorisation_makes_it_refused_and_nothing_is_captured(merchant):
    t = feed_long_delay(merchant, amount="10005")  # the simulator refuses …05

    remittance_run(run_date=dt.date(2026, 11, 26), now=evening(dt.date(2026, 11, 26)))

    t.refresh_from_db()
    assert (t.status, t.captured_amount) == (Status.REFUSED, 0)
    assert kinds(t) == [("AUTHOR_BATCH", "00"), ("AUTHOR", "05")]


def test_an_acquirer_that_times_out_leaves_it_waiting_for_the_next_run(merchant, settings):
    t = feed_long_delay(merchant)
    settings.ACQUIRER_GATEWAYS = {**settings.ACQUIRER_GATEWAYS, "DEMO": f"{GATEWAYS}.TimingOut"}

    remittance_run(run_date=dt.date(2026, 11, 26), now=evening(dt.date(2026, 11, 26)))

    t.refresh_from_db()
    assert t.status == Status.WAITING_AUTHOR
    assert kinds(t) == [("AUTHOR_BATCH", "00")]

    settings.ACQUIRER_GATEWAYS = {**settings.ACQUIRER_GATEWAYS, "DEMO": f"{GATEWAYS}.Answering"}
    remittance_run(run_date=dt.date(2026, 11, 27), now=evening(dt.date(2026, 11, 27)))

    t.refresh_from_db()
    assert (t.status, t.authorisation_id) == (Status.CAPTURED, "ACQ999")
    assert kinds(t) == [("AUTHOR_BATCH", "00"), ("AUTHOR", "00"), ("DEBIT_CAPTURE", "00")]
    assert [c["reference"] for c in Answering.calls] == [f"author-{t.pk}-20261127"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_ask_the_acquirer_once_per_transaction(settings):
    merchant = make_merchant()
    ts = [feed_long_delay(merchant, number=str(n)) for n in range(1, 4)]
    settings.ACQUIRER_GATEWAYS = {**settings.ACQUIRER_GATEWAYS, "DEMO": f"{GATEWAYS}.Slow"}
    remittance_run(run_date=dt.date(2026, 11, 25), now=evening(dt.date(2026, 11, 25)))
    Transaction.objects.filter(pk__in=[t.pk for t in ts]).update(status=Status.WAITING_AUTHOR)
    barrier = start_together(2)

    def run():
        barrier.wait()
        return remittance_run(run_date=dt.date(2026, 11, 26), now=evening(dt.date(2026, 11, 26)))

    runs = [Outcome(run), Outcome(run)]
    for outcome in runs:
        outcome.result()  # each run's exception, if it raised

    assert sorted(c["reference"] for c in Answering.calls) == sorted(
        f"author-{t.pk}-20261126" for t in ts
    )
    for t in ts:
        t.refresh_from_db()
        assert t.status == Status.CAPTURED
        assert Operation.objects.filter(transaction=t, kind="AUTHOR").count() == 1


def test_validating_a_to_replay_asks_a_fresh_authorisation(merchant, operator):
    accepted = feed_long_delay(merchant, mode="VALIDATION", number="1")
    refused = feed_long_delay(merchant, amount="10005", mode="VALIDATION", number="2")
    assert accepted.status == refused.status == Status.TO_REPLAY

    ok = transaction_validate(transaction=accepted, amount=8000, user=operator, channel="WEB",
                              now=NOW)  # fmt: skip
    no = transaction_validate(transaction=refused, amount=10005, user=operator, channel="WEB",
                              now=NOW)  # fmt: skip

    accepted.refresh_from_db()
    refused.refresh_from_db()
    assert (ok.response_code, accepted.status, accepted.amount) == ("00", Status.TO_CAPTURE, 8000)
    assert accepted.authorisation_id not in ("", "OLD001")
    assert (no.response_code, no.status_after, refused.status) == ("05", "REFUSED", "REFUSED")


def test_a_production_shop_without_acquirer_gets_90_and_nothing_changes(operator):
    shop = shop_in("PRODUCTION")
    grant(operator, "OPERATOR", merchant=shop)
    src = in_status(shop, Status.CAPTURED)
    replay = feed_long_delay(shop, mode="VALIDATION", number="2")

    with pytest.raises(OperationRefused) as duplication:
        transaction_duplicate(transaction=src, amount=2500, new_transaction_id="31",
                              user=operator, channel="API", now=NOW)  # fmt: skip
    with pytest.raises(OperationRefused) as validation:
        transaction_validate(transaction=replay, amount=10000, user=operator, channel="API",
                             now=NOW)  # fmt: skip

    assert duplication.value.code == validation.value.code == "90"
    assert not Transaction.objects.filter(source=src).exists()
    replay.refresh_from_db()
    assert replay.status == Status.TO_REPLAY
    assert Operation.objects.get(transaction=src).response_code == "90"


def test_the_simulator_never_answers_for_production_even_if_configured(operator, settings):
    settings.ACQUIRER_GATEWAYS = {**settings.ACQUIRER_GATEWAYS,
                                  "PRODUCTION": "operations.acquirer.Simulator"}  # fmt: skip
    shop = shop_in("PRODUCTION")
    grant(operator, "OPERATOR", merchant=shop)

    with pytest.raises(OperationRefused) as caught:
        transaction_duplicate(
            transaction=in_status(shop, Status.CAPTURED),
            amount=2500,
            new_transaction_id="31",
            user=operator,
            channel="API",
            now=NOW,
        )

    assert caught.value.code == "90"


def test_a_production_shop_with_an_acquirer_gets_its_answer(operator, settings):
    settings.ACQUIRER_GATEWAYS = {**settings.ACQUIRER_GATEWAYS,
                                  "PRODUCTION": f"{GATEWAYS}.Answering"}  # fmt: skip
    shop = shop_in("PRODUCTION")
    grant(operator, "OPERATOR", merchant=shop)

    op = transaction_duplicate(
        transaction=in_status(shop, Status.CAPTURED),
        amount=2505,
        new_transaction_id="31",
        user=operator,
        channel="API",
        now=NOW,
    )

    # …05 would be refused by the simulator; the configured acquirer said 00.
    assert (op.response_code, op.new_transaction.authorisation_id) == ("00", "ACQ999")
    assert Answering.calls[0]["amount"] == 2505


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def advice_url(t):
    return (f"/api/v1/transactions/{t.merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/"
            f"{t.transaction_id}/advice/")  # fmt: skip


def test_a_referral_is_forced_by_advice_with_the_phone_authorisation_then_captured(
    merchant, operator
):
    t = in_status(merchant, Status.REFERRAL, payment_at=NOW - dt.timedelta(hours=2))
    import time_machine

    with time_machine.travel(NOW, tick=True):
        bad = api_for(operator).post(advice_url(t), {"authorisation_id": "12-34"}, format="json")
        response = api_for(operator).post(
            advice_url(t), {"authorisation_id": "TEL4711", "origin": "CALLCENTER"}, format="json"
        )

    assert (bad.status_code, bad.json()["response_code"]) == (400, "12")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["response_code"], body["operation"]["kind"]) == ("00", "ADVICE")
    assert body["operation"]["origin"] == "CALLCENTER"
    assert (body["transaction"]["status"], body["transaction"]["authorisation_id"]) == (
        "TO_CAPTURE", "TEL4711",
    )  # fmt: skip
    remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22))
    t.refresh_from_db()
    assert (t.status, t.captured_amount) == (Status.CAPTURED, 10000)


def test_forcing_after_the_last_day_is_refused_and_the_batch_expires_it(merchant, operator):
    last_day = NOW.date() - dt.timedelta(days=1)
    t = in_status(merchant, Status.REFERRAL, capture_date=last_day)

    with pytest.raises(OperationRefused) as caught:
        transaction_advice(transaction=t, authorisation_id="TEL1", user=operator, channel="WEB",
                           now=NOW)  # fmt: skip

    assert caught.value.code == "24"
    remittance_run(run_date=last_day, now=NOW)
    t.refresh_from_db()
    assert t.status == Status.EXPIRED
