import pytest
from django.db import DataError, IntegrityError, transaction

from operations.models import Operation
from tests.factories import make_merchant, make_transaction
from transactions.models import Status, Transaction


@pytest.fixture
def captured(db):
    return make_transaction(make_merchant(), status=Status.CAPTURED, captured_amount=10000)


def _refused_by_the_database(**changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=changes.pop("pk")).update(**changes)


def test_the_database_refuses_a_negative_amount(captured):
    _refused_by_the_database(pk=captured.pk, amount=-1)


def test_the_database_refuses_a_refund_above_the_captured_amount(captured):
    _refused_by_the_database(pk=captured.pk, refunded_amount=10001)


def test_the_database_refuses_an_amount_above_the_authorised_one(captured):
    _refused_by_the_database(pk=captured.pk, amount=10001)


def test_the_database_refuses_a_transaction_id_not_of_6_digits(captured):
    _refused_by_the_database(pk=captured.pk, transaction_id="123")


def test_the_database_refuses_an_unmasked_card_number(captured):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Transaction.objects.filter(pk=captured.pk).update(card_number="4974012")


def test_the_database_refuses_a_number_twice_the_same_day(captured):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_transaction(
            captured.merchant,
            transaction_id=captured.transaction_id,
            payment_date=captured.payment_date,
        )


def test_an_operation_is_append_only(captured):
    op = Operation.objects.create(
        transaction=captured,
        merchant=captured.merchant,
        kind="CREDIT",
        amount=100,
        currency_code="978",
        response_code="00",
        status_before="CAPTURED",
        status_after="CAPTURED",
        channel="WEB",
    )
    op.amount = 1
    with pytest.raises(Exception, match="never changed"):
        op.save()
    with pytest.raises(Exception, match="never deleted"):
        op.delete()


def test_the_database_refuses_a_negative_operation_amount(captured):
    with pytest.raises(IntegrityError), transaction.atomic():
        Operation.objects.create(
            transaction=captured,
            merchant=captured.merchant,
            kind="CREDIT",
            amount=-5,
            currency_code="978",
            response_code="00",
            status_before="CAPTURED",
            status_after="CAPTURED",
            channel="WEB",
        )
