"""The operations, service by service: accepted and refused, code, status and amounts (the
whole table cell by cell is tests/operations/test_lifecycle_table.py)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from operations.models import Operation
from operations.services import (
    OperationRefused,
    transaction_cancel,
    transaction_duplicate,
    transaction_refund,
    transaction_validate,
)
from tests.factories import UserFactory, grant
from tests.operations.conftest import NOW, in_status, paris
from transactions.models import AutomaticResponseStatus, Origin, Status, Transaction

ALL = list(Status.values)
SERVICES = {
    "VALIDATE": transaction_validate,
    "CANCEL": transaction_cancel,
    "CREDIT": transaction_refund,
}
ALLOWED = {
    "VALIDATE": {Status.TO_VALIDATE, Status.TO_REPLAY},
    "CANCEL": {
        Status.TO_VALIDATE, Status.TO_REPLAY, Status.TO_AUTHORIZE, Status.REFERRAL,
        Status.TO_CAPTURE, Status.TO_CREDIT,
    },
    "CREDIT": {Status.CAPTURED, Status.TO_CREDIT},
}  # fmt: skip


def run(kind, t, amount, user, now=NOW):
    return SERVICES[kind](transaction=t, amount=amount, user=user, channel="WEB", now=now)


def refused(kind, t, amount, user, now=NOW) -> OperationRefused:
    with pytest.raises(OperationRefused) as caught:
        run(kind, t, amount, user, now)
    return caught.value


def amounts(t):
    t.refresh_from_db()
    return t.status, t.amount, t.captured_amount, t.refunded_amount


# --- VALIDATE -----------------------------------------------------------------------------------


def test_validating_the_full_amount_makes_it_to_capture_on_the_validation_day(merchant, operator):
    t = in_status(
        merchant, Status.TO_VALIDATE, capture_day=5, capture_date=NOW.date().replace(day=30)
    )

    op = run("VALIDATE", t, 10000, operator)

    assert amounts(t) == (Status.TO_CAPTURE, 10000, 0, 0)
    assert t.capture_date == NOW.date()
    assert (op.response_code, op.status_before, op.status_after, op.amount) == (
        "00", "TO_VALIDATE", "TO_CAPTURE", 10000,
    )  # fmt: skip


def test_a_validation_after_the_last_validation_day_is_refused_even_before_the_nightly_expiry(
    merchant, operator
):
    last_day = NOW.date() - dt.timedelta(days=1)
    t = in_status(merchant, Status.TO_VALIDATE, capture_day=5, capture_date=last_day)

    refusal = refused("VALIDATE", t, 10000, operator)

    assert refusal.code == "24"
    assert last_day.isoformat() in refusal.message
    assert amounts(t) == (Status.TO_VALIDATE, 10000, 0, 0)


def test_validating_part_releases_the_remainder(merchant, operator):
    t = in_status(merchant, Status.TO_VALIDATE)

    run("VALIDATE", t, 6000, operator)

    assert amounts(t) == (Status.TO_CAPTURE, 6000, 0, 0)
    assert t.origin_amount == 10000


# --- CANCEL -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.TO_VALIDATE, Status.TO_CAPTURE])
def test_cancelling_everything_cancels_the_transaction(merchant, operator, status):
    t = in_status(merchant, status)

    op = run("CANCEL", t, 10000, operator)

    assert amounts(t) == (Status.CANCELLED, 0, 0, 0)
    assert (op.status_before, op.status_after) == (status, "CANCELLED")


@pytest.mark.parametrize("status", [Status.TO_VALIDATE, Status.TO_CAPTURE])
def test_cancelling_part_reduces_the_amount_and_keeps_the_status(merchant, operator, status):
    t = in_status(merchant, status)

    op = run("CANCEL", t, 2550, operator)

    assert amounts(t) == (status, 7450, 0, 0)
    assert (op.amount, op.status_before, op.status_after) == (2550, status, status)


# --- CREDIT (refund) -----------------------------------------------------------------------------


def test_a_partial_refund_is_a_pending_credit_for_tonights_remittance(merchant, operator):
    t = in_status(merchant, Status.CAPTURED)

    first = run("CREDIT", t, 1050, operator)
    second = run("CREDIT", t, 950, operator)

    assert amounts(t) == (Status.TO_CREDIT, 10000, 10000, 2000)
    assert (t.credited_amount, t.credit_date) == (0, NOW.date())
    assert (first.status_before, first.status_after) == ("CAPTURED", "TO_CREDIT")
    assert (second.status_before, second.status_after) == ("TO_CREDIT", "TO_CREDIT")


def test_refunding_the_rest_keeps_it_to_credit_until_the_remittance(merchant, operator):
    t = in_status(merchant, Status.CAPTURED)
    run("CREDIT", t, 4000, operator)

    op = run("CREDIT", t, 6000, operator)

    assert amounts(t) == (Status.TO_CREDIT, 10000, 10000, 10000)
    assert (op.status_before, op.status_after) == ("TO_CREDIT", "TO_CREDIT")


def test_a_pending_credit_can_be_cancelled_in_part_or_whole_before_the_remittance(
    merchant, operator
):
    t = in_status(merchant, Status.CAPTURED)
    run("CREDIT", t, 3000, operator)

    assert refused("CANCEL", t, 3001, operator).code == "51"
    run("CANCEL", t, 1000, operator)
    assert amounts(t) == (Status.TO_CREDIT, 10000, 10000, 2000)
    op = run("CANCEL", t, 2000, operator)

    assert amounts(t) == (Status.CAPTURED, 10000, 10000, 0)
    assert (op.status_before, op.status_after, t.credit_date) == ("TO_CREDIT", "CAPTURED", None)


# --- refusals, every operation × every status ---------------------------------------------------


EXHAUSTED = {"CREDIT": {Status.CREDITED}, "CANCEL": {Status.CANCELLED}}


@pytest.mark.parametrize(
    "kind,status",
    [(k, s) for k in SERVICES for s in ALL if s not in ALLOWED[k] | EXHAUSTED.get(k, set())],
)
def test_an_operation_from_a_status_it_is_not_allowed_from_is_refused_24(
    merchant, operator, kind, status
):
    t = in_status(merchant, status)
    before = amounts(t)

    error = refused(kind, t, 100, operator)

    assert error.code == "24"
    assert amounts(t) == before
    op = Operation.objects.get(transaction=t)
    assert (op.kind, op.response_code, op.status_before, op.status_after) == (
        kind, "24", status, status,
    )  # fmt: skip


@pytest.mark.parametrize(
    "kind,status,ceiling",
    [
        ("VALIDATE", Status.TO_VALIDATE, 10000),
        ("CANCEL", Status.TO_VALIDATE, 10000),
        ("CANCEL", Status.TO_CAPTURE, 10000),
        ("CREDIT", Status.CAPTURED, 10000),
        ("CANCEL", Status.TO_REPLAY, 10000),
        ("CANCEL", Status.REFERRAL, 10000),
    ],
)
def test_one_cent_over_the_maximum_is_refused_51(merchant, operator, kind, status, ceiling):
    t = in_status(merchant, status)
    before = amounts(t)

    error = refused(kind, t, ceiling + 1, operator)

    assert error.code == "51"
    assert "100,00" in error.message  # the ceiling, as a French user writes it
    assert amounts(t) == before
    assert Operation.objects.get(transaction=t).response_code == "51"


@pytest.mark.parametrize(
    "kind,status", [(k, s) for k, statuses in EXHAUSTED.items() for s in statuses]
)
def test_refunding_a_refunded_or_cancelling_a_cancelled_one_is_too_high_51(
    merchant, operator, kind, status
):
    t = in_status(merchant, status)
    before = amounts(t)

    error = refused(kind, t, 1, operator)

    assert (error.code, amounts(t)) == ("51", before)
    assert "0,00" in error.message


def test_a_refund_is_capped_by_what_is_left_to_refund(merchant, operator):
    t = in_status(merchant, Status.CAPTURED)
    run("CREDIT", t, 7000, operator)

    assert refused("CREDIT", t, 3001, operator).code == "51"
    run("CREDIT", t, 3000, operator)
    assert refused("CREDIT", t, 1, operator).code == "51"
    assert amounts(t) == (Status.TO_CREDIT, 10000, 10000, 10000)


def test_a_partial_cancel_lowers_the_ceiling_of_the_next_one(merchant, operator):
    t = in_status(merchant, Status.TO_CAPTURE)
    run("CANCEL", t, 4000, operator)

    assert refused("CANCEL", t, 6001, operator).code == "51"
    assert refused("VALIDATE", t, 1, operator).code == "24"


@pytest.mark.parametrize("kind", list(SERVICES))
@pytest.mark.parametrize("amount", [0, -100, None, "12,50", True, 10**12])
def test_a_missing_zero_or_negative_amount_is_an_invalid_request_12(
    merchant, operator, kind, amount
):
    status = next(iter(ALLOWED[kind]))
    t = in_status(merchant, status)
    before = amounts(t)

    assert refused(kind, t, amount, operator).code == "12"
    assert amounts(t) == before
    assert Operation.objects.get(transaction=t).amount == 0


def test_a_consulter_is_refused_40_and_the_attempt_is_recorded(merchant):
    consulter = UserFactory(username="consulter")
    grant(consulter, "CONSULTER", merchant=merchant)
    t = in_status(merchant, Status.CAPTURED)

    assert refused("CREDIT", t, 100, consulter).code == "40"
    op = Operation.objects.get(transaction=t)
    assert (op.response_code, op.user, op.status_after) == ("40", consulter, "CAPTURED")
    assert amounts(t) == (Status.CAPTURED, 10000, 10000, 0)


def test_a_cancel_a_refund_or_a_validation_cannot_be_undone_by_another_operation(
    merchant, operator
):
    t = in_status(merchant, Status.TO_CAPTURE)
    run("CANCEL", t, 10000, operator)

    assert {kind: refused(kind, t, 1, operator).code for kind in SERVICES} == {
        "VALIDATE": "24", "CANCEL": "51", "CREDIT": "24",
    }  # fmt: skip


# --- the remittance window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "at,allowed",
    [
        (paris(2026, 11, 26, 21, 59, 59), True),
        (paris(2026, 11, 26, 22, 0), False),
        (paris(2026, 11, 26, 22, 59, 59), False),
        (paris(2026, 11, 26, 23, 0), True),
        # Clocks change: the window is Paris time, whatever the UTC offset that day.
        (dt.datetime(2026, 3, 29, 20, 30, tzinfo=dt.UTC), False),  # 22:30 CEST
        (dt.datetime(2026, 3, 29, 21, 0, tzinfo=dt.UTC), True),  # 23:00 CEST
        (dt.datetime(2026, 10, 25, 20, 30, tzinfo=dt.UTC), True),  # 21:30 CET
        (dt.datetime(2026, 10, 25, 21, 30, tzinfo=dt.UTC), False),  # 22:30 CET
    ],
)
def test_no_operation_during_the_remittance_window(merchant, operator, at, allowed):
    t = in_status(merchant, Status.CAPTURED, payment_at=at - dt.timedelta(days=1))

    if allowed:
        run("CREDIT", t, 100, operator, now=at)
        assert amounts(t)[3] == 100
    else:
        error = refused("CREDIT", t, 100, operator, now=at)
        assert error.code == "99"
        assert "22:00" in error.message
        assert amounts(t)[3] == 0


# --- DUPLICATE ----------------------------------------------------------------------------------


def duplicate(t, user, amount=2500, new_id="777", now=NOW, **extra):
    return transaction_duplicate(
        transaction=t,
        amount=amount,
        new_transaction_id=new_id,
        user=user,
        channel="WEB",
        now=now,
        **extra,
    )


@pytest.mark.parametrize("status", [s for s in ALL if s != Status.REFUSED])
def test_any_transaction_with_a_card_can_be_duplicated(merchant, operator, status):
    src = in_status(merchant, status, order_id="CMD-1")
    before = amounts(src)

    op = duplicate(src, operator)

    new = op.new_transaction
    assert (op.kind, op.response_code, op.amount) == ("DUPLICATE", "00", 2500)
    assert op.status_before == op.status_after == status
    assert amounts(src) == before
    assert new.source == src and list(src.duplicates.all()) == [new]
    assert (new.transaction_id, new.payment_date, new.origin) == (
        "000777",
        NOW.date(),
        Origin.DUPLICATION,
    )
    # The state at creation follows the copied mode and delay (Annexe G).
    expected = {
        ("VALIDATION", False): Status.TO_VALIDATE,
        ("VALIDATION", True): Status.TO_REPLAY,
        ("AUTHOR_CAPTURE", False): Status.TO_CAPTURE,
        ("AUTHOR_CAPTURE", True): Status.TO_AUTHORIZE,
    }[(src.capture_mode, src.capture_day > 6)]
    assert (new.status, new.amount, new.response_code) == (expected, 2500, "00")
    assert new.capture_mode == src.capture_mode
    assert new.automatic_response_status == AutomaticResponseStatus.UNDEFINED
    assert (new.card_number, new.order_id, new.created_by) == (src.card_number, "CMD-1", operator)


def test_a_duplicate_is_posted_to_the_shops_automatic_response_url_like_any_new_transaction(
    merchant, operator, django_capture_on_commit_callbacks
):
    # docs/sips.md, section 3: with a URL the new transaction is PENDING and a task posts it
    # once committed; without one it stays UNDEFINED (the test above).
    merchant.automatic_response_url = "https://shop.example.invalid/sips"
    merchant.save(update_fields=["automatic_response_url"])
    src = in_status(merchant, Status.CAPTURED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        new = duplicate(src, operator).new_transaction

    assert new.automatic_response_status == AutomaticResponseStatus.PENDING
    assert len(callbacks) == 1


def test_a_refused_payment_with_a_card_can_be_duplicated(merchant, operator):
    src = in_status(merchant, Status.REFUSED, response_code="05")

    assert duplicate(src, operator).new_transaction.status == Status.TO_CAPTURE


@pytest.mark.parametrize("code", ["30", "12"])
def test_a_payment_refused_before_any_card_cannot_be_duplicated_24(merchant, operator, code):
    src = in_status(merchant, Status.REFUSED, response_code=code)

    with pytest.raises(OperationRefused) as caught:
        duplicate(src, operator)

    assert caught.value.code == "24"
    assert not Transaction.objects.filter(source=src).exists()
    assert Operation.objects.get(transaction=src).response_code == "24"


def test_a_number_already_used_today_is_refused_94(merchant, operator):
    src = in_status(merchant, Status.CAPTURED)
    duplicate(src, operator, new_id="000777")

    with pytest.raises(OperationRefused) as caught:
        duplicate(src, operator, new_id="777")

    assert caught.value.code == "94"
    assert Transaction.objects.filter(source=src).count() == 1
    assert list(Operation.objects.filter(transaction=src).values_list("response_code", flat=True)
                .order_by("id")) == ["00", "94"]  # fmt: skip


def test_the_duplicate_goes_through_the_feeds_validation(merchant, operator):
    src = in_status(merchant, Status.CAPTURED)

    for bad in ({"new_id": "1234567"}, {"new_id": "12a"}, {"new_id": None}):
        with pytest.raises(OperationRefused) as caught:
            duplicate(src, operator, **bad)
        assert caught.value.code == "12"
    with pytest.raises(OperationRefused) as caught:
        duplicate(src, operator, capture_mode="LATER")
    assert caught.value.code == "12"
    assert (
        "ERROR PARAMETER (transaction_id=1234567) TOO LONG"
        in Operation.objects.filter(transaction=src).order_by("id")[0].message
    )
    assert not Transaction.objects.filter(source=src).exists()


def test_the_duplicate_takes_its_capture_mode_and_delay_when_given(merchant, operator):
    src = in_status(merchant, Status.CAPTURED)

    new = duplicate(src, operator, capture_mode="VALIDATION", capture_day=3).new_transaction

    assert (new.status, new.capture_day) == (Status.TO_VALIDATE, 3)
    assert new.capture_date == NOW.date() + dt.timedelta(days=3)


@pytest.mark.parametrize(
    "amount,status,code",
    [
        (1005, Status.REFUSED, "05"),
        (1002, Status.REFERRAL, "02"),
        (1050, Status.TO_CAPTURE, "00"),
        (1000, Status.TO_CAPTURE, "00"),
        (1034, Status.REFUSED, "34"),
    ],
)
def test_the_new_authorisation_follows_the_demo_rule_of_the_last_two_digits(
    merchant, operator, amount, status, code
):
    src = in_status(merchant, Status.CAPTURED)

    op = duplicate(src, operator, amount=amount)

    new = op.new_transaction
    assert (new.status, new.response_code) == (status, code)
    # The operation answers what the acquirer answered: 05 refused is not 00.
    assert op.response_code == code


def test_a_duplicate_of_zero_is_refused_12(merchant, operator):
    src = in_status(merchant, Status.CAPTURED)

    with pytest.raises(OperationRefused) as caught:
        duplicate(src, operator, amount=0)

    assert caught.value.code == "12"


# --- the database guards the money even against a bug -------------------------------------------


def test_the_database_refuses_an_over_refund_or_an_over_cancel(merchant):
    t = in_status(merchant, Status.CAPTURED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=t.pk).update(refunded_amount=10001)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=t.pk).update(amount=-1)


def test_a_validated_transaction_can_be_cancelled_in_part_then_whole_until_the_remittance(
    merchant, operator
):
    t = in_status(merchant, Status.TO_VALIDATE)
    run("VALIDATE", t, 10000, operator)

    run("CANCEL", t, 2500, operator)
    assert amounts(t) == (Status.TO_CAPTURE, 7500, 0, 0)
    op = run("CANCEL", t, 7500, operator)

    assert amounts(t) == (Status.CANCELLED, 0, 0, 0)
    assert (op.status_before, op.status_after) == ("TO_CAPTURE", "CANCELLED")
