"""On PostgreSQL a journal is written by the database (journals.copy: INSERT … SELECT for the
membership, COPY … TO STDOUT for the lines); the portable path (files.render over the selector's
rows) is what SQLite runs. Both must give the same bytes, totals and membership."""

import datetime as dt

import pytest
from django.db import transaction

from journals import files, services
from journals.models import JournalOperation, JournalTransaction
from tests.factories import UserFactory, make_transaction
from tests.journals.conftest import DAY, MORNING, PARIS, at, make_op, scripted_day

pytestmark = pytest.mark.postgres


def built(shop, kind, *, in_database, monkeypatch=None):
    """The journal of `kind` built by one path, then rolled back → what it stored."""
    lines, link = (
        (JournalTransaction, "transaction_id")
        if kind == "TRANSACTIONS"
        else (JournalOperation, "operation_id")
    )
    with transaction.atomic():
        journal, created = services._build(
            merchant_pk=shop.pk,
            kind=kind,
            journal_date=MORNING.date(),
            now=MORNING,
            in_database=in_database,
        )
        assert created
        stored = {
            "bytes": journal.content.encode(),
            "count": journal.record_count,
            "totals": journal.totals,
            "max_record_id": journal.max_record_id,
            "sha256": journal.sha256,
            "seal": journal.seal,
            "sequence": journal.sequence,
            "members": sorted(
                lines.objects.filter(journal_id=journal.pk).values_list(link, flat=True)
            ),
        }
        transaction.set_rollback(True)
    return stored


def assert_same_both_ways(shop, monkeypatch, *, formatted_by_database=True):
    for kind in ("TRANSACTIONS", "OPERATIONS"):
        portable = built(shop, kind, in_database=False)
        with monkeypatch.context() as patch:
            if formatted_by_database:
                # The database path formats no record line in Python.
                for name in ("transaction_line", "operation_line"):
                    patch.setattr(files, name, _no_python_line)
            in_database = built(shop, kind, in_database=True)
        assert in_database == portable, kind
        assert portable["count"] and portable["members"]


def _no_python_line(*args):
    raise AssertionError("a record line was formatted in Python")


def hostile_records(shop):
    """Free fields a spreadsheet would read as formulas, quotes, separators, line feeds, accents,
    empty values, and times on both sides of a clock change."""
    operator = UserFactory(username="=admin")
    other = UserFactory(username="zoé;dupont")
    summer = dt.datetime(2026, 7, 14, 23, 59, 59, 999999, tzinfo=PARIS)
    change = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 02:30 Paris, summer time
    records = [
        make_transaction(
            shop,
            payment_at=summer,
            created_at=at(9),
            order_id="=SUM(A1)",
            customer_id="-1",
            return_context='a"b;c\nd',
        ),
        make_transaction(
            shop,
            payment_at=change,
            created_at=at(9, 1),
            order_id="+33 1 23",
            customer_id="@home",
            return_context="\tcontext",
        ),
        make_transaction(
            shop,
            created_at=at(9, 2),
            payment_at=at(0, 0, 0),
            order_id="Commande n°42 é",
            customer_id="",
            return_context="",
            bank_response_code="",
            cvv_flag="",
            currency_code="392",
            amount=12345678901,
        ),
    ]
    make_op(records[0], "CANCEL", 10, "TO_CAPTURE", "TO_CAPTURE", user=operator, origin="-x")
    make_op(records[1], "CREDIT", 20, "CAPTURED", "CAPTURED", user=other, code="51")
    make_op(records[2], "VALIDATE", 30, "TO_VALIDATE", "TO_CAPTURE", channel="BATCH")
    make_op(
        records[0],
        "DUPLICATE",
        40,
        "TO_CAPTURE",
        "TO_CAPTURE",
        user=operator,
        new_transaction=records[2],
        origin='"q"',
        created_at=summer,
    )
    return records


def test_the_scripted_day_is_the_same_bytes_written_by_postgresql_and_by_python(shop, monkeypatch):
    scripted_day(shop)
    assert_same_both_ways(shop, monkeypatch)


def test_hostile_free_fields_and_clock_changes_are_the_same_bytes_both_ways(shop, monkeypatch):
    hostile_records(shop)
    scripted_day(shop)
    assert_same_both_ways(shop, monkeypatch)
    text = built(shop, "TRANSACTIONS", in_database=True)["bytes"].decode()
    assert ';\'=SUM(A1);\'-1;"a""b;c\nd";' in text
    assert ";20260714;" in text and ";235959;" in text  # Paris time, not UTC
    assert ";023000;" in text  # 00:30 UTC on the night of the change: 02:30 Paris summer time


def test_a_carriage_return_stored_before_the_feed_refused_it_is_written_as_python_writes_it(
    shop, monkeypatch
):
    """PostgreSQL's CSV would quote it where the project's writer does not: the file is then
    written by the portable path, so the bytes stay the same."""
    old = make_transaction(shop, created_at=at(9), return_context="old\rvalue", order_id="A")
    make_transaction(shop, created_at=at(9, 1), order_id="B")
    make_op(old, "CANCEL", 10, "TO_CAPTURE", "TO_CAPTURE", origin="caisse\r1")
    assert_same_both_ways(shop, monkeypatch, formatted_by_database=False)
    text = built(shop, "TRANSACTIONS", in_database=True)["bytes"].decode()
    assert ";A;;old\rvalue;FEED;" in text


def test_an_empty_day_is_the_same_both_ways(shop):
    for kind in ("TRANSACTIONS", "OPERATIONS"):
        portable = built(shop, kind, in_database=False)
        assert built(shop, kind, in_database=True) == portable
        assert portable["bytes"].decode().endswith("TOTAL;0\n")


def test_records_already_in_a_journal_are_left_out_by_the_database_path(shop):
    first = make_transaction(shop, created_at=at(9))
    services.journal_build(
        merchant_pk=shop.pk, kind="TRANSACTIONS", journal_date=DAY, now=at(23, 0)
    )
    later = make_transaction(shop, created_at=at(23, 30))
    stored = built(shop, "TRANSACTIONS", in_database=True)
    assert stored["members"] == [later.pk]
    assert stored["sequence"] == 2 and stored["count"] == 1
    assert first.pk not in stored["members"]
