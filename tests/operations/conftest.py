import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions.models import Status

PARIS = ZoneInfo("Europe/Paris")
# A Thursday morning in Paris, far from the remittance window.
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def in_status(merchant, status: str, amount: int = 10000, **fields):
    """A transaction in `status` with amounts consistent with how it got there."""
    values = {"amount": amount, "status": status}
    if status in (Status.CAPTURED, Status.TO_CREDIT, Status.CREDITED):
        values["captured_amount"] = amount
    if status in (Status.TO_CREDIT, Status.CREDITED):
        values["refunded_amount"] = amount
    if status == Status.CREDITED:
        values["credited_amount"] = amount
    if status == Status.TO_CREDIT:
        values["credit_date"] = NOW.date()
    if status in (Status.TO_VALIDATE, Status.TO_REPLAY):
        values["capture_mode"] = "VALIDATION"
    if status in (Status.TO_REPLAY, Status.TO_AUTHORIZE, Status.WAITING_AUTHOR):
        # A delay past the authorisation's life (Annexe G): ends 10 days after the payment.
        values["capture_day"] = 10
        values["capture_date"] = (NOW - dt.timedelta(hours=2)).date() + dt.timedelta(days=10)
    if status == Status.REFERRAL:
        values.update(response_code="02", capture_date=NOW.date() + dt.timedelta(days=30))
    if status == Status.CANCELLED:
        values.update(amount=0, origin_amount=amount)
    values.setdefault("payment_at", NOW - dt.timedelta(hours=2))
    values.update(fields)
    return make_transaction(merchant, **values)


@pytest.fixture
def merchant(db):
    return make_merchant()


@pytest.fixture
def operator(merchant):
    user = UserFactory(username="operator")
    grant(user, "OPERATOR", merchant=merchant)
    return user


def shop_in(environment: str):
    """A shop moved to `environment` by bank staff after its creation (as in the console)."""
    from merchants.models import Merchant

    shop = make_merchant()
    Merchant.objects.filter(pk=shop.pk).update(environment=environment)
    shop.refresh_from_db()
    return shop
