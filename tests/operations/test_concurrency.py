"""Races on PostgreSQL, with real threads each on its own connection: the row lock decides."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from operations.models import Operation, Remittance
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
        return transaction_refund(transaction=t, amount=1000, user=operator, channel="API")

    codes = race(*[refund] * 20)

    assert sorted(codes) == ["00"] * 10 + ["51"] * 10
    t.refresh_from_db()
    assert (t.refunded_amount, t.status) == (10000, Status.TO_CREDIT)
    assert Operation.objects.filter(transaction=t, response_code="00").count() == 10
    assert Operation.objects.filter(transaction=t, response_code="51").count() == 10


@pytest.mark.parametrize("attempt", range(3))
def test_cancels_and_a_validation_in_parallel_never_cancel_more_than_the_amount(
    merchant, operator, attempt
):
    t = in_status(merchant, Status.TO_VALIDATE, amount=10000)

    def cancel():
        return transaction_cancel(transaction=t, amount=3000, user=operator, channel="WEB")

    def validate():
        return transaction_validate(transaction=t, amount=6000, user=operator, channel="API")

    race(validate, *[cancel] * 5)

    # Replayed in the order the row lock let them through, the accepted operations explain the
    # final amount, and no step ever went below zero.
    amount = 10000
    for op in Operation.objects.filter(transaction=t, response_code="00").order_by("id"):
        amount = op.amount if op.kind == "VALIDATE" else amount - op.amount
        assert amount >= 0
    t.refresh_from_db()
    assert t.amount == amount >= 0
    cancelled = sum(
        Operation.objects.filter(transaction=t, kind="CANCEL", response_code="00").values_list(
            "amount", flat=True
        )
    )
    assert cancelled <= 10000
    assert t.status == (Status.CANCELLED if amount == 0 else t.status)


def test_twenty_partial_refunds_racing_the_remittance_credit_the_bank_exactly_once(
    merchant, operator
):
    """The remittance runs while refunds commit: whatever it took tonight and what the next run
    takes, the bank is credited exactly what was refunded, each refund once."""
    ts = [in_status(merchant, Status.CAPTURED, amount=10000) for _ in range(2)]
    before_window = paris(2026, 11, 26, 21, 59, 59)

    def refund(t):
        return lambda: transaction_refund(
            transaction=t, amount=700, user=operator, channel="API", now=before_window
        )

    def remit():
        return remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22))["CREDIT_CAPTURE"]

    race(*[refund(ts[i % 2]) for i in range(20)], remit)
    remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22, 30))

    for t in ts:
        t.refresh_from_db()
        refunds = Operation.objects.filter(transaction=t, kind="CREDIT", response_code="00")
        sent = Operation.objects.filter(transaction=t, kind="CREDIT_CAPTURE")
        refunded = sum(o.amount for o in refunds)
        assert refunded == t.refunded_amount == 7000
        assert sum(o.amount for o in sent) == refunded == t.credited_amount
        assert t.status == Status.CAPTURED
    record = Remittance.objects.get(merchant=merchant, remittance_date=NOW.date())
    assert record.credit_amount == 14000
    assert record.credit_count == record.lines.count()


def test_a_pending_credit_cancelled_while_the_remittance_runs_is_sent_or_withdrawn_never_both(
    merchant, operator
):
    ts = [in_status(merchant, Status.CAPTURED) for _ in range(20)]
    for t in ts:
        transaction_refund(transaction=t, amount=2500, user=operator, channel="WEB", now=NOW)
    at = paris(2026, 11, 26, 21, 59, 59)

    def cancel_all():
        for t in reversed(ts):
            try:
                transaction_cancel(transaction=t, amount=2500, user=operator, channel="WEB", now=at)
            except OperationRefused:
                pass

    race(cancel_all, lambda: remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22)))

    for t in ts:
        t.refresh_from_db()
        sent = sum(
            Operation.objects.filter(transaction=t, kind="CREDIT_CAPTURE").values_list(
                "amount", flat=True
            )
        )
        withdrawn = Operation.objects.filter(transaction=t, kind="CANCEL", response_code="00")
        assert (sent, withdrawn.exists()) in {(2500, False), (0, True)}
        assert t.credited_amount == sent and t.refunded_amount == sent
        assert t.status == Status.CAPTURED


def test_the_remittance_and_an_operator_on_the_same_rows_never_both_apply(merchant, operator):
    ts = [in_status(merchant, Status.TO_CAPTURE, capture_date=NOW.date()) for _ in range(30)]
    at = paris(2026, 11, 26, 21, 59, 59)

    def cancel_all():
        codes = set()
        for t in reversed(ts):
            try:
                transaction_cancel(
                    transaction=t, amount=10000, user=operator, channel="WEB", now=at
                )
                codes.add("00")
            except OperationRefused as refused:
                codes.add(refused.code)
        return ",".join(sorted(codes))

    def remit():
        return remittance_run(run_date=NOW.date(), now=paris(2026, 11, 26, 22))["DEBIT_CAPTURE"]

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
            assert t.status == Status.CAPTURED and kinds == {"DEBIT_CAPTURE"}
            assert t.captured_amount == 10000
    captured = [t for t in ts if t.status == Status.CAPTURED]
    if captured:
        record = Remittance.objects.get(merchant=merchant, remittance_date=NOW.date())
        assert (record.debit_count, record.debit_amount) == (len(captured), 10000 * len(captured))


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
