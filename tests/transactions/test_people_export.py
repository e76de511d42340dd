"""Exports for people (core.people_cells through core.csv's people writer): amounts as people
write them in the user's language, currency letters, Paris dates and times, translated statuses
and kinds; the same in the streamed export, the background one and the operations export."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import translation

from core.people_cells import PeopleCells
from operations.models import OperationKind
from operations.services import transaction_refund
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from transactions.exports import export_build
from transactions.models import Status, TransactionExport

PARIS = ZoneInfo("Europe/Paris")
# 00:30 in Paris on 1 November is still 31 October in UTC: the date must be Paris's.
LATE = dt.datetime(2026, 11, 1, 0, 30, tzinfo=PARIS)


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def _streamed(response) -> list[list[str]]:
    return _rows(b"".join(response.streaming_content).decode("utf-8"))


@pytest.fixture
def shop(db):
    shop = make_merchant("014213245611111")
    make_transaction(
        shop,
        transaction_id="000042",
        payment_at=LATE,
        amount=123450,
        status=Status.TO_CAPTURE,
    )
    make_transaction(
        shop, transaction_id="000043", payment_at=LATE, amount=1343, currency_code="392"
    )
    return shop


@pytest.mark.parametrize(
    ("language", "amount", "status", "day"),
    [
        ("fr", "1\u202f234,50", "À remiser", "01/11/2026"),
        ("en", "1,234.50", "To capture", "01/11/2026"),
    ],
)
def test_the_streamed_export_reads_as_the_user_reads_the_screen(
    client, shop, language, amount, status, day
):
    user = UserFactory(username="people", language=language)
    grant(user, "CONSULTER", merchant=shop)
    client.force_login(user)

    rows = _streamed(client.get("/transactions/export.csv"))

    header = rows[0]
    by_number = {r[header.index("transaction_id")]: r for r in rows[1:]}
    euros, yen = by_number["000042"], by_number["000043"]
    assert euros[header.index("amount")] == amount
    assert euros[header.index("currency_code")] == "EUR"
    assert euros[header.index("status")] == status
    assert euros[header.index("payment_date")] == day
    assert euros[header.index("payment_time")] == "00:30:00"
    yen_amount = "1,343" if language == "en" else "1\u202f343"
    assert (yen[header.index("amount")], yen[header.index("currency_code")]) == (yen_amount, "JPY")


def test_the_background_export_is_written_in_the_language_it_was_asked_in(shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(username="late", language="en")
    grant(user, "CONSULTER", merchant=shop)
    export = TransactionExport.objects.create(owner=user, query="", rows_expected=2, language="en")

    with translation.override("fr"):
        export_build(export_id=export.pk)

    export.refresh_from_db()
    with default_storage.open(export.file.name) as stored:
        rows = _rows(stored.read().decode("utf-8"))
    header = rows[0]
    euros = next(r for r in rows[1:] if r[header.index("transaction_id")] == "000042")
    assert euros[header.index("amount")] == "1,234.50"
    assert euros[header.index("status")] == "To capture"
    assert euros[header.index("currency_code")] == "EUR"


def test_the_operations_export_names_kinds_and_statuses_in_the_users_language(client, db):
    shop = make_merchant("014213245611111")
    user = UserFactory(username="operator", language="en")
    grant(user, "OPERATOR", merchant=shop)
    with time_machine.travel(dt.datetime(2026, 11, 27, 9, tzinfo=PARIS), tick=False):
        t = make_transaction(shop, status=Status.CAPTURED, captured_amount=10000)
        transaction_refund(transaction=t, amount=2050, user=user, channel="WEB")
        client.force_login(user)
        rows = _streamed(client.get("/operations/?export=csv"))

    header, row = rows[0], rows[1]
    assert row[header.index("created_at")] == "27/11/2026 09:00:00"
    assert row[header.index("kind")] == "Refund"
    assert row[header.index("amount")] == "20.50"
    assert row[header.index("currency_code")] == "EUR"
    assert row[header.index("status_after")] == str(Status.TO_CREDIT.label)


def test_people_cells_keep_unknown_values_readable():
    cells = PeopleCells("fr")

    assert cells.currency("999") == "999"
    assert cells.label(OperationKind, "NOT_A_KIND") == "NOT_A_KIND"
    assert cells.amount(None, "978") == "" and cells.date(None) == ""
