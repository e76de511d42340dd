"""Races on PostgreSQL, with real threads each on its own connection: the row lock decides."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from operations.models import Operation
from operations.services import (
    OperationRefused,
    remittance_run,
    transaction_cancel,
    transaction_refund,
    transaction_validate,
)
from tests.operations.conftest import NOW, in_status, paris
from tests.waiting import start_together
from transactions.models import Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at once (a barrier), each thread on its own connection; their outcomes
    (an Operation's response code, a refusal's code, or what the call returned)."""
    barrier = start_together(len(calls))

    def attempt(call):
        try:
            barrier.wait()
            result = call()
            return getattr(result, "response_code", result)
        except OperationRefused as refused:
            return refused.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(attempt, calls))


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=True):
        yield


def test_twenty_refunds_of_ten_on_a_hundred_accept_exactly_ten(merchant, operator):
    t = in_status(merchant, Status.CAPTURED, amount=10000)

    def refund():
        return transaction_refund(transaction=t, amount=1000, user=operator, origin="API")

    codes = race(*[refund] * 20)

    assert sorted(codes) == ["00"] * 10 + ["51"] * 10
    t.refresh_from_db()
    assert (t.refunded_amount, t.status) == (10000, Status.TO_CREDIT)
    assert Operation.objects.filter(transaction=t, response_code="00").count() == 10
    assert Operation.objects.filter(transaction=t, response_code="51").count() == 10


@pytest.mark.parametrize("attempt", range(3))
def test_cancel_and_validate_of_the_full_amount_exactly_one_wins(merchant, operator, attempt):
    t = in_status(merchant, Status.TO_VALIDATE, amount=10000)

    def cancel():
        return transaction_cancel(transaction=t, amount=10000, user=operator, origin="WEB")

    def validate():
        return transaction_validate(transaction=t, amount=10000, user=operator, origin="API")

    codes = race(cancel, validate)

    assert sorted(codes) == ["00", "24"]
    t.refresh_from_db()
    if codes[0] == "00":
        assert (t.status, t.amount) == (Status.CANCELLED, 0)
    else:
        assert (t.status, t.amount) == (Status.TO_CAPTURE, 10000)
    assert Operation.objects.filter(transaction=t, response_code="00").count() == 1


def test_the_remittance_and_an_operator_on_the_same_rows_never_both_apply(merchant, operator):
    ts = [in_status(merchant, Status.TO_CAPTURE, capture_date=NOW.date()) for _ in range(30)]
    at = paris(2026, 11, 26, 21, 59, 59)

    def cancel_all():
        codes = set()
        for t in reversed(ts):
            try:
                transaction_cancel(transaction=t, amount=10000, user=operator, origin="WEB", now=at)
                codes.add("00")
            except OperationRefused as refused:
                codes.add(refused.code)
        return ",".join(sorted(codes))

    def remit():
        return remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22))["CAPTURE"]

    race(cancel_all, remit)

    for t in ts:
        t.refresh_from_db()
        kinds = set(
            Operation.objects.filter(transaction=t, response_code="00").values_list(
                "kind", flat=True
            )
        )
        if t.status == Status.CANCELLED:
            assert kinds == {"CANCEL"} and t.captured_amount == 0
        else:
            assert t.status == Status.CAPTURED and kinds == {"CAPTURE"}
            assert t.captured_amount == 10000


def test_a_double_submit_at_the_same_instant_performs_once(merchant, operator):
    from django.test import Client

    t = in_status(merchant, Status.CAPTURED)
    url = (
        f"/transactions/{merchant.merchant_id}/{t.payment_date:%Y-%m-%d}/{t.transaction_id}/refund/"
    )
    confirm = {"amount": "1000", "token": "3b0e8a52-5d0c-4d7e-9d8a-0c1b2f1f7a10", "step": "confirm"}
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(operator)

    def submit(client):
        return lambda: client.post(url, confirm).status_code

    assert race(*[submit(c) for c in clients]) == [302, 302]
    t.refresh_from_db()
    assert t.refunded_amount == 1000
    assert Operation.objects.filter(transaction=t).count() == 1
