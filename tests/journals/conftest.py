import datetime as dt
import zoneinfo

import pytest
from django.utils import translation

from operations.models import Operation
from tests.factories import UserFactory, make_merchant, make_transaction
from transactions.models import CaptureMode, Origin, Status

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 11, 26)
MORNING = dt.datetime(2026, 11, 27, 4, 0, tzinfo=PARIS)


def at(hour, minute=0, second=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=PARIS)


def make_op(transaction, kind, amount, before, after, *, channel="WEB", user=None, code="00", **kw):
    return Operation.objects.create(
        transaction=transaction,
        merchant=transaction.merchant,
        kind=kind,
        amount=amount,
        currency_code=transaction.currency_code,
        response_code=code,
        status_before=before,
        status_after=after,
        channel=channel,
        user=user,
        **kw,
    )


def scripted_day(shop):
    """A day of one shop: accepted, refused, a USD sale, a duplicate, and every operation kind."""
    operator = UserFactory(username="marie")
    t1 = make_transaction(
        shop,
        transaction_id="000101",
        payment_at=at(9, 15, 2),
        created_at=at(9, 15, 3),
        amount=1050,
        order_id="CMD-1",
        customer_id="C42",
        return_context="ctx;semi",
    )
    t2 = make_transaction(
        shop,
        transaction_id="000102",
        payment_at=at(10, 0),
        created_at=at(10, 0, 1),
        amount=2500,
        status=Status.REFUSED,
        card_number="5132.99",
        payment_means="MASTERCARD",
    )
    t3 = make_transaction(
        shop,
        transaction_id="000103",
        payment_at=at(11, 30),
        created_at=at(11, 30, 1),
        amount=9900,
        status=Status.TO_VALIDATE,
        capture_day=3,
        capture_date=DAY + dt.timedelta(days=3),
    )
    t4 = make_transaction(
        shop,
        transaction_id="000104",
        payment_at=at(12, 0),
        created_at=at(12, 0, 1),
        amount=4000,
        currency_code="840",
        status=Status.CAPTURED,
        captured_amount=4000,
    )
    t5 = make_transaction(
        shop,
        transaction_id="000105",
        payment_at=at(14, 0),
        created_at=at(14, 0, 1),
        amount=700,
        origin=Origin.DUPLICATION,
        source=t1,
        capture_mode=CaptureMode.AUTHOR_CAPTURE,
    )
    t6 = make_transaction(
        shop,
        transaction_id="000099",
        payment_date=DAY - dt.timedelta(days=7),
        payment_at=at(8, 0, day=DAY - dt.timedelta(days=7)),
        created_at=at(16, 0),
        amount=300,
        status=Status.EXPIRED,
        capture_mode=CaptureMode.VALIDATION,
    )
    ops = [
        make_op(
            t3, "VALIDATE", 9000, "TO_VALIDATE", "TO_CAPTURE", user=operator, created_at=at(15, 0)
        ),
        make_op(
            t1,
            "CANCEL",
            50,
            "TO_CAPTURE",
            "TO_CAPTURE",
            user=operator,
            channel="API",
            origin="CAISSE-12",
            created_at=at(15, 5),
        ),
        make_op(
            t4,
            "CREDIT",
            5000,
            "CAPTURED",
            "CAPTURED",
            user=operator,
            code="51",
            created_at=at(15, 10),
        ),
        make_op(t4, "CREDIT", 1000, "CAPTURED", "TO_CREDIT", user=operator, created_at=at(15, 11)),
        make_op(
            t1,
            "DUPLICATE",
            700,
            "TO_CAPTURE",
            "TO_CAPTURE",
            user=operator,
            new_transaction=t5,
            created_at=at(15, 20),
        ),
        make_op(
            t1,
            "DEBIT_CAPTURE",
            1000,
            "TO_CAPTURE",
            "CAPTURED",
            channel="BATCH",
            created_at=at(23, 30),
        ),
        make_op(
            t4,
            "CREDIT_CAPTURE",
            1000,
            "TO_CREDIT",
            "CAPTURED",
            channel="BATCH",
            created_at=at(23, 31),
        ),
        make_op(
            t6, "EXPIRED", 300, "TO_VALIDATE", "EXPIRED", channel="BATCH", created_at=at(23, 32)
        ),
        make_op(
            t2,
            "CANCEL",
            2500,
            "REFUSED",
            "REFUSED",
            user=operator,
            code="24",
            created_at=at(23, 40),
        ),
    ]
    return [t1, t2, t3, t4, t5, t6], ops


@pytest.fixture
def shop(db):
    return make_merchant("014213245611111", name="Boutique Démo Paris", journal_email="j@shop.test")


@pytest.fixture(autouse=True)
def english():
    """These tests read the messages in English (French is the default language)."""
    with translation.override("en"):
        yield
